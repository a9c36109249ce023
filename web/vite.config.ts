import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The admin is static: built to web/dist and served by the local server (or any static host) at `/`.
// In `vite dev`, API calls are proxied to the local server.
export default defineConfig({
  root: here,
  plugins: [preact()],
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': 'http://localhost:8787' } },
});
