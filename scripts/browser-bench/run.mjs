// Opens index.html in headless Chromium (Debian's), joins the room and
// answers on stdout, one JSON object a line:
//   {"event":"ready","counts":{...}}   every expected video has shown a frame
//                                      (and the camera is published, with --publish)
//   {"event":"counts","counts":{...}}  for each "counts" line read on stdin
//   {"event":"report","report":{...}}  for each "report" line (with --measure)
// and closes the browser at "quit" or the end of stdin. The measuring side
// reads this browser's CPU and memory from /proc between two "counts".
// Usage: node run.mjs [--publish WxH@FPS:KBPS] [--measure] [--window WxH] PAGE_URL LIVEKIT_URL TOKEN VIDEOS
// --window shows the browser on $DISPLAY instead of headless, its tiles
// W×H CSS pixels in a 1024×700 page, as Confer's window shows them: the
// same display, the same picture sizes, and each video at the simulcast
// layer its tile needs (livekit-client's adaptive stream).
// Run as root inside a network namespace (ip netns exec) it works the same:
// Playwright starts Chromium without its sandbox, which needs no user
// namespaces then.
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

const opts = {};
const args = process.argv.slice(2);
while (args[0] && args[0].startsWith("--")) {
  const flag = args.shift();
  if (flag === "--measure") {
    opts.measure = true;
  } else if (flag === "--window") {
    const m = /^(\d+)x(\d+)$/.exec(args.shift() || "");
    if (!m) throw new Error("--window wants the tiles' WxH, e.g. 556x313");
    opts.tile = { width: +m[1], height: +m[2] };
  } else if (flag === "--publish") {
    const m = /^(\d+)x(\d+)@(\d+):(\d+)$/.exec(args.shift() || "");
    if (!m) throw new Error("--publish wants WxH@FPS:KBPS, e.g. 1280x720@30:1500");
    opts.publish = { width: +m[1], height: +m[2], fps: +m[3], kbps: +m[4] };
  } else {
    throw new Error("unknown flag " + flag);
  }
}
const [pageURL, livekitURL, token, videos] = args;
const want = Number(videos);
// The only names that resolve: loopback and the hosts of the page and the
// server (IP literals, which go through these rules too).
const hosts = new Set(["127.0.0.1", new URL(pageURL).hostname, new URL(livekitURL).hostname]);
const resolverRules = ["MAP * ~NOTFOUND", ...[...hosts].map((h) => "EXCLUDE " + h)].join(", ");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: !opts.tile,
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
  const viewport = opts.tile ? { width: 1024, height: 700 } : { width: 1320, height: 760 };
  const page = await browser.newPage({ viewport });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(pageURL);
  await page.evaluate(([u, t, o]) => window.benchJoin(u, t, o), [livekitURL, token, opts]);
  await page.waitForFunction(
    (n) => Object.values(window.benchCounts()).filter((v) => v.presented > 0).length >= n,
    want,
    { timeout: 30000, polling: 100 },
  );
  say({ event: "ready", counts: await page.evaluate(() => window.benchCounts()) });
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = line.trim();
    if (cmd === "quit") break;
    if (cmd === "counts") {
      say({ event: "counts", counts: await page.evaluate(() => window.benchCounts()) });
    } else if (cmd === "report") {
      say({ event: "report", report: await page.evaluate(() => window.benchReport()) });
    }
  }
} finally {
  await browser.close();
}

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}
