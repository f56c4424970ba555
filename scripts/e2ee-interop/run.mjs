// Opens index.html in headless Chromium (Debian's), joins the room with
// end-to-end encryption and answers commands from stdin on stdout, one
// JSON object a line:
//   (at start)             {"event":"joined","state":{...}}
//   state                  {"event":"state","state":{...}}
//   frames ID N            {"event":"frames","state":{...}}   once N frames of ID's video were painted
//   errors ID N            {"event":"errors","state":{...}}   once livekit-client reported N encryption errors for ID
//   quit (or end of stdin) closes the browser
// A wait that runs out answers {"event":"timeout","state":{...}}.
// Usage: node run.mjs PAGE_URL LIVEKIT_URL TOKEN (the passphrase comes in
// E2EE_PASSPHRASE, out of the process list)
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

const [pageURL, livekitURL, token] = process.argv.slice(2);
const passphrase = process.env.E2EE_PASSPHRASE || "";
// The only names that resolve: loopback and the hosts of the page and the
// server (IP literals, which go through these rules too).
const hosts = new Set(["127.0.0.1", new URL(pageURL).hostname, new URL(livekitURL).hostname]);
const resolverRules = ["MAP * ~NOTFOUND", ...[...hosts].map((h) => "EXCLUDE " + h)].join(", ");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  chromiumSandbox: false,
  args: [
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    // The server is on loopback, which WebRTC leaves out unless told.
    "--allow-loopback-in-peer-connection",
    // No mDNS names for local candidates: nothing multicast leaves the machine.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    // Nothing resolves but the page's and the server's addresses: the
    // browser reaches nothing but this machine.
    "--host-resolver-rules=" + resolverRules,
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  page.on("console", (m) => {
    if (process.env.CONFER_TEST_LOG) console.error("page:", m.text());
  });
  await page.goto(pageURL);
  await page.evaluate(([u, t, p]) => window.interopJoin(u, t, p), [livekitURL, token, passphrase]);
  await say("joined", page);
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, id, n] = line.trim().split(/\s+/);
    if (cmd === "quit") break;
    if (cmd === "state") {
      await say("state", page);
    } else if (cmd === "frames" || cmd === "errors") {
      const cond =
        cmd === "frames"
          ? ([id, n]) => (window.interopState().videos[id]?.presented || 0) >= n
          : ([id, n]) => (window.interopState().errors[id] || 0) >= n;
      try {
        await page.waitForFunction(cond, [id, Number(n)], { timeout: 20000, polling: 100 });
        await say(cmd, page);
      } catch {
        await say("timeout", page);
      }
    }
  }
} finally {
  await browser.close();
}

async function say(event, page) {
  const state = await page.evaluate(() => window.interopState());
  process.stdout.write(JSON.stringify({ event, state }) + "\n");
}
