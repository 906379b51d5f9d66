/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** API origin, e.g. https://api.example.com; empty for same origin. */
  readonly VITE_API_URL?: string;
  /** Optional basemap tile URL template, e.g. https://tile.example.com/{z}/{x}/{y}.png */
  readonly VITE_TILE_URL?: string;
  readonly VITE_TILE_ATTRIBUTION?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
