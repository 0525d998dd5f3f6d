import { expect, test } from "@playwright/test";
import { createServer, IncomingHttpHeaders } from "node:http";
import { AddressInfo } from "node:net";
import { createHmac, timingSafeEqual } from "node:crypto";
import { openHydrated, reloadHydrated, signIn, VIEWER } from "./support";

const NOTIFICATIONS = "/provisioning/notifications";

type Received = { headers: IncomingHttpHeaders; body: string };

/** A webhook receiver on loopback that records every request. */
async function receiver() {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/keydesk`, received, close: () => server.close() };
}

/** Whether `received` carries a Standard Webhooks signature made with `secret`. */
function signedWith(secret: string, received: Received) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signed = `${received.headers["webhook-id"]}.${received.headers["webhook-timestamp"]}.${received.body}`;
  const expected = createHmac("sha256", key).update(signed).digest();
  return String(received.headers["webhook-signature"])
    .split(" ")
    .map((entry) => entry.split(","))
    .some(([version, signature]) => {
      const given = Buffer.from(signature ?? "", "base64");
      return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

test("an endpoint is added with its secret shown once, and a test event reaches it and its log", async ({ page }) => {
  const hook = await receiver();
  try {
    await openHydrated(page, "/provisioning/api-keys");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" }).click();
    await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();

    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog", { name: "Add endpoint" });
    // Credentials in the URL are kept sealed and shown masked. (http to loopback is allowed only
    // because the test server runs with --webhooks-allow-private.)
    const withCredentials = hook.url.replace("http://", "http://robot:hunter2@") + "?token=abc";
    await dialog.getByLabel("URL").fill(withCredentials);
    await dialog.getByLabel("Description").fill("Pager");
    await dialog.getByRole("checkbox", { name: "key.disabled" }).check();
    await dialog.getByRole("button", { name: "Add" }).click();
    const secret = (await dialog.getByTestId("webhook-secret").textContent())!.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await dialog.getByRole("button", { name: "Done" }).click();
    await expect(dialog).toBeHidden();

    const shown = hook.url.replace("http://", "http://•••:•••@") + "?token=•••";
    const endpoint = page.locator("li.endpoint").filter({ hasText: shown });
    await expect(endpoint).toContainText("Pager");
    await expect(endpoint).toContainText("Events: key.disabled, key.expiring, key.grace_ending");
    await expect(endpoint.getByText("Enabled", { exact: true })).toBeVisible();
    await expect(page.getByText("hunter2")).toHaveCount(0);
    // Hydrated before "Send test event" is pressed: a click on the server's HTML is lost.
    await reloadHydrated(page);
    await expect(page.getByText(secret)).toHaveCount(0);
    await expect(page.getByText("hunter2")).toHaveCount(0);

    const reloaded = page.locator("li.endpoint").filter({ hasText: shown });
    await reloaded.getByRole("button", { name: "Send test event" }).click();
    await expect(reloaded.getByRole("status").filter({ hasText: "Test event: HTTP 204" })).toBeVisible();
    await expect(reloaded).toContainText("Last delivery: HTTP 204 (webhook.test,");
    expect(hook.received).toHaveLength(1);
    expect(JSON.parse(hook.received[0].body).type).toBe("webhook.test");
    expect(signedWith(secret, hook.received[0])).toBe(true);

    await reloaded.getByRole("button", { name: "Delivery log" }).click();
    const log = reloaded.locator("table.deliveries");
    await expect(log.locator("tbody tr")).toHaveCount(1);
    await expect(log.locator("tbody tr").first()).toContainText("webhook.test");
    await expect(log.locator("tbody tr").first()).toContainText("HTTP 204");

    await reloaded.getByRole("button", { name: "Remove" }).click();
    await reloaded.getByRole("button", { name: "Remove endpoint" }).click();
    await expect(page.locator("li.endpoint").filter({ hasText: shown })).toHaveCount(0);
  } finally {
    hook.close();
  }
});

test("a bad URL is refused with a clear message and nothing is added", async ({ page }) => {
  await openHydrated(page, NOTIFICATIONS);
  const before = await page.locator("li.endpoint").count();
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const dialog = page.getByRole("dialog", { name: "Add endpoint" });
  await dialog.getByLabel("URL").fill("ftp://files.example.com/in");
  await dialog.getByRole("button", { name: "Add" }).click();
  await expect(dialog.getByRole("alert")).toContainText("The URL must start with https://.");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.locator("li.endpoint")).toHaveCount(before);
});

test("a viewer sees the endpoints but cannot change them", async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, VIEWER, NOTIFICATIONS);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add endpoint" })).toBeDisabled();
  await expect(page.getByText("You need all five rights to change webhook endpoints")).toBeVisible();
  // Their own mail choice is theirs to make.
  await expect(page.getByRole("checkbox", { name: "E-mail me about keys that are about to expire" })).toBeEnabled();
  await context.close();
});

test("any signed-in user chooses mail about every key about to expire, and the page says when e-mail is off", async ({ page }) => {
  await openHydrated(page, NOTIFICATIONS);
  await expect(page.getByRole("heading", { name: "E-mail", level: 2 })).toBeVisible();
  await expect(page.getByText("E-mail is off: the server has no SMTP settings.")).toBeVisible();
  await expect(page.getByText("You have no e-mail address.")).toBeVisible();
  const choice = page.getByRole("checkbox", { name: "E-mail me about keys that are about to expire" });
  await expect(choice).not.toBeChecked();
  await choice.check();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await reloadHydrated(page);
  await expect(choice).toBeChecked();
  await choice.uncheck();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.reload();
  await expect(choice).not.toBeChecked();
});
