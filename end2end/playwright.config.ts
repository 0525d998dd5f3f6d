import { defineConfig } from "@playwright/test";

// The server under test runs on a throwaway SQLite database with the sample keys
// (see serve-fresh.sh); nothing here touches a developer's ./data.
const port = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "./tests",
  workers: 1,
  timeout: 30_000,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // Only DejaVu and Liberation, as on a plain Linux desktop (see fonts.conf).
      env: { ...process.env, FONTCONFIG_FILE: `${process.cwd()}/fonts.conf` },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: `./serve-fresh.sh ${port}`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
  projects: [
    // Signs in once as admin; every test then starts signed in (see tests/auth.setup.ts).
    { name: "sign-in", testMatch: /auth\.setup\.ts/, use: { browserName: "chromium" } },
    {
      name: "chromium",
      dependencies: ["sign-in"],
      use: { browserName: "chromium", storageState: "playwright/.auth/admin.json" },
    },
  ],
});
