import type { NextConfig } from 'next';
import path from 'node:path';

// lib/config.ts keeps a generated development AUTH0_SECRET under this folder's .data/
process.env.COMPONENT_WEB_DIR ??= __dirname;

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // the npm workspace root (one lockfile, one node_modules, one React)
  turbopack: { root: path.join(__dirname, '../..') },
  outputFileTracingRoot: path.join(__dirname, '../..'),
  typescript: { tsconfigPath: 'tsconfig.app.json' },
};

export default nextConfig;
