// Opens index.html in headless Chromium (Debian's), joins the room and
// answers on stdout, one JSON object a line:
//   {"event":"ready","counts":{...}}   every expected video has shown a frame
//   {"event":"counts","counts":{...}}  for each "counts" line read on stdin
// and closes the browser at "quit" or the end of stdin. The measuring side
// reads this browser's CPU and memory from /proc between two "counts".
// Usage: node run.mjs PAGE_URL LIVEKIT_URL TOKEN VIDEOS
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

const [pageURL, livekitURL, token, videos] = process.argv.slice(2);
const want = Number(videos);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    // The server is on loopback, which WebRTC leaves out unless told.
    "--allow-loopback-in-peer-connection",
    // No mDNS names for local candidates: nothing multicast leaves the machine.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    // Only IP literals resolve: the browser reaches nothing but this machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1320, height: 760 } });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(pageURL);
  await page.evaluate(([u, t]) => window.benchJoin(u, t), [livekitURL, token]);
  await page.waitForFunction(
    (n) => Object.values(window.benchCounts()).filter((v) => v.presented > 0).length >= n,
    want,
    { timeout: 30000, polling: 100 },
  );
  say({ event: "ready", counts: await page.evaluate(() => window.benchCounts()) });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === "quit") break;
    if (line.trim() === "counts") {
      say({ event: "counts", counts: await page.evaluate(() => window.benchCounts()) });
    }
  }
} finally {
  await browser.close();
}

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}
