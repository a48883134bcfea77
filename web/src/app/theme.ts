import { Anchor, createTheme } from "@mantine/core";

// Mantine's defaults with a calm blue, underlined links and a darker "dimmed" text so secondary text keeps
// enough contrast (WCAG AA) in both light and dark schemes.
export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: { light: 8, dark: 8 },
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  fontFamilyMonospace: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
  defaultRadius: "md",
  components: {
    // Links inside text must not rely on colour alone.
    Anchor: Anchor.extend({ defaultProps: { underline: "always" } }),
  },
});
