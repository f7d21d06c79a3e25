/// <reference types="vitest/config" />
// The UI is built into dist/ and embedded into the hoptrace binary (src/webui): every asset is
// local, nothing is fetched from outside at run time.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: process.env.HOPTRACE_WEB_OUT ?? "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev` against a running `hoptrace serve` (HOPTRACE_API, default the default port).
    proxy: {
      "/api": process.env.HOPTRACE_API ?? "http://127.0.0.1:4318",
      "/metrics": process.env.HOPTRACE_API ?? "http://127.0.0.1:4318",
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
