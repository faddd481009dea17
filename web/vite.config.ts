/**
 * The dashboard's build: `npm run build:web` (also run by `npm run build` and `npm ci`) writes
 * web/dist/, which `botledger serve` serves at `/`. Everything is bundled: no CDN, no remote font.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
});
