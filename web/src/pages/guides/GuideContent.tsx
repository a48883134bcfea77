import { useComputedColorScheme } from "@mantine/core";
import { useEffect, useRef } from "react";
import { useNavigate } from "react-router";

// A guide's HTML (rendered on the server from the repository's own Markdown), brought to
// life: copy buttons on code blocks, in-app navigation for links between guides, and
// mermaid diagrams, whose library is only downloaded when a guide has one.
export function GuideContent({ html, guideId }: { html: string; guideId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const scheme = useComputedColorScheme("light");

  useEffect(() => {
    const root = ref.current;
    // Runs again for every new guide: the HTML below was just replaced.
    if (!root || !html) return;
    for (const pre of root.querySelectorAll<HTMLPreElement>("pre:not(.mermaid)")) {
      const code = pre.querySelector("code");
      if (!code || pre.querySelector(".copy-code")) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "copy-code";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code");
      button.addEventListener("click", () => {
        void navigator.clipboard?.writeText(code.textContent ?? "").then(
          () => {
            button.textContent = "Copied";
            setTimeout(() => {
              button.textContent = "Copy";
            }, 1500);
          },
          () => {
            button.textContent = "Select and copy";
          },
        );
      });
      pre.appendChild(button);
    }
    const diagrams = [...root.querySelectorAll<HTMLElement>("pre.mermaid")];
    let cancelled = false;
    if (diagrams.length) {
      void import("mermaid").then(async ({ default: mermaid }) => {
        if (cancelled) return;
        mermaid.initialize({
          startOnLoad: false,
          securityLevel: "strict",
          theme: scheme === "dark" ? "dark" : "default",
          // The dark theme's label background is too close to its text colour to read well.
          ...(scheme === "dark" && { themeVariables: { edgeLabelBackground: "#2e2e2e" } }),
        });
        await mermaid.run({ nodes: diagrams });
        for (const d of diagrams) d.setAttribute("data-rendered", "true");
      });
    }
    if (window.location.hash) document.getElementById(decodeURIComponent(window.location.hash.slice(1)))?.scrollIntoView();
    return () => {
      cancelled = true;
    };
  }, [html, scheme]);

  // Links to other guides and portal pages stay inside the app.
  const onClick = (e: React.MouseEvent) => {
    const a = (e.target as HTMLElement).closest("a");
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    const href = a.getAttribute("href") ?? "";
    if (href.startsWith("/") && !href.startsWith("/api/")) {
      e.preventDefault();
      navigate(href);
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegates clicks on the links inside; the links themselves are keyboard-reachable
    // biome-ignore lint/a11y/useKeyWithClickEvents: as above, Enter on a link fires the same click
    // biome-ignore lint/security/noDangerouslySetInnerHtml: the server renders the repository's own docs/ Markdown
    <div ref={ref} className="guide-body" data-guide={guideId} onClick={onClick} dangerouslySetInnerHTML={{ __html: html }} />
  );
}
