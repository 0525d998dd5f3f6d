import { test as setup } from "@playwright/test";
import { signIn, ADMIN } from "./support";

// Signs in as admin through the form and keeps the session for every other test.
setup("sign in as admin", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.context().storageState({ path: "playwright/.auth/admin.json" });
});
