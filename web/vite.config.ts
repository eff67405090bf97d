import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the Kopek server under /console (src/faces/admin/console.ts).
// `npm run dev:web` proxies the API to a running `npm start`.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: path.join(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/admin/api': 'http://127.0.0.1:8080' },
  },
});
