import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The portal is a static single-page app served by the Plinth server from web/dist.
// In development, `vite --config web/vite.config.ts` proxies the API to a running server.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Mermaid is large and lazily loaded on guide pages with diagrams; its chunk may be big.
    chunkSizeWarningLimit: 3000,
  },
  server: {
    proxy: { "/api": { target: process.env.PLINTH_URL ?? "http://127.0.0.1:8420", changeOrigin: false } },
  },
});
