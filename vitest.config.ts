/**
 * Test projects, one per runtime: the worker inside workerd with a real local
 * D1 and the real migrations; the widget in happy-dom; Node for build
 * scripts and content; real Chromium against `wrangler dev` for end-to-end tests.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations },
              },
            }),
          ],
          test: {
            name: "worker",
            include: ["test/worker/**/*.test.ts", "test/shared/**/*.test.ts"],
            setupFiles: ["test/worker/apply-migrations.ts"],
          },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
            globalSetup: ["test/e2e/global-setup.ts"],
            // One worker and one browser at a time: the machine has two cores.
            fileParallelism: false,
            testTimeout: 60_000,
            hookTimeout: 120_000,
          },
        },
        {
          // The widget's modules in a simulated DOM (happy-dom).
          test: {
            name: "widget",
            environment: "happy-dom",
            // Gated scripts and frames are checked as markup here; Chromium runs them for real (test/e2e).
            environmentOptions: {
              happyDOM: {
                settings: {
                  disableJavaScriptFileLoading: true,
                  disableIframePageLoading: true,
                  handleDisabledFileLoadingAsSuccess: true,
                },
              },
            },
            include: ["test/widget/**/*.test.ts"],
          },
        },
        {
          test: {
            name: "node",
            environment: "node",
            include: ["test/scripts/**/*.test.ts", "test/content/**/*.test.ts"],
          },
        },
      ],
    },
  };
});
