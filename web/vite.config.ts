import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/** Writes a .gz beside each text asset, so the server sends compressed files without compressing. */
function precompress(): Plugin {
  return {
    name: "plinth-precompress",
    apply: "build",
    writeBundle(options, bundle) {
      for (const [name, file] of Object.entries(bundle)) {
        if (!/\.(js|css|html|svg|json)$/.test(name)) continue;
        const source = file.type === "chunk" ? file.code : file.source;
        if (source.length > 512) writeFileSync(join(options.dir!, `${name}.gz`), gzipSync(source, { level: 9 }));
      }
    },
  };
}

// The portal is a static single-page app served by the Plinth server from web/dist.
// In development, `vite --config web/vite.config.ts` proxies the API to a running server.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), precompress()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Mermaid is large and lazily loaded on guide pages with diagrams; its chunk may be big.
    chunkSizeWarningLimit: 3000,
    rolldownOptions: {
      output: {
        // The libraries every page uses travel as one cacheable file instead of dozens of small
        // ones: fewer requests and module evaluations on a first visit. Mermaid stays apart.
        codeSplitting: {
          groups: [{ name: "vendor", test: /node_modules[\\/](react|react-dom|scheduler|react-router|@tanstack|openapi-fetch|@mantine|@floating-ui|@tabler|clsx|react-remove-scroll|react-remove-scroll-bar|react-style-singleton|use-sidecar|use-callback-ref|get-nonce|tslib|detect-node-es|react-number-format|react-textarea-autosize|use-composed-ref|use-isomorphic-layout-effect|use-latest|cookie|set-cookie-parser)[\\/]/ }],
        },
      },
    },
  },
  server: {
    proxy: { "/api": { target: process.env.PLINTH_URL ?? "http://127.0.0.1:8420", changeOrigin: false } },
  },
});
