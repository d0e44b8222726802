// Headless Chromium through playwright-core, with every console error and page error collected.
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Opens url in a fresh page, waits for the element `#result` to get a `data-status`,
 * and returns { status, result, errors, requests }. `result` is the parsed JSON text of `#result`.
 */
export async function runPage(browser, url, { timeout = 30_000 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on("response", (res) => {
    if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on("request", (req) => requests.push(req.url()));
  try {
    await page.goto(url, { waitUntil: "load", timeout });
    await page.waitForSelector("#result[data-status]", { state: "attached", timeout });
    const status = await page.getAttribute("#result", "data-status");
    const text = await page.textContent("#result");
    let result;
    try {
      result = JSON.parse(text);
    } catch {
      result = text;
    }
    return { status, result, errors, requests };
  } finally {
    await context.close();
  }
}
