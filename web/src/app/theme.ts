import { createTheme } from "@mantine/core";

// Mantine's defaults with a calm blue and a darker "dimmed" text so secondary text keeps
// enough contrast (WCAG AA) in both light and dark schemes.
export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: { light: 7, dark: 4 },
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  fontFamilyMonospace: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
  defaultRadius: "md",
});
