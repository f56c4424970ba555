// Opens index.html in headless Chromium (Debian's), joins the room and
// answers commands from stdin on stdout, one JSON object a line each way:
//   (at start)                          {"event":"joined","state":{...}}
//   {"cmd":"send","text":T}             {"event":"sent",...}      sendText on lk.chat
//   {"cmd":"legacy","text":T}           {"event":"sent",...}      sendChatMessage
//   {"cmd":"hand"}                      {"event":"hand",...}      handRaisedAt set
//   {"cmd":"received","from":ID,"count":N}
//                                       {"event":"received",...}  once N messages from ID arrived
//   {"cmd":"hand-of","from":ID}         {"event":"hand-of",...}   once ID's hand is up
//   {"cmd":"quit"} (or end of stdin)    closes the browser
// A wait that runs out answers {"event":"timeout","state":{...}}.
// Usage: node run.mjs PAGE_URL LIVEKIT_URL TOKEN
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

const [pageURL, livekitURL, token] = process.argv.slice(2);
// The only names that resolve: loopback and the hosts of the page and the
// server (IP literals, which go through these rules too).
const hosts = new Set(["127.0.0.1", new URL(pageURL).hostname, new URL(livekitURL).hostname]);
const resolverRules = ["MAP * ~NOTFOUND", ...[...hosts].map((h) => "EXCLUDE " + h)].join(", ");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  chromiumSandbox: false,
  args: [
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--host-resolver-rules=" + resolverRules,
  ],
});
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  page.on("console", (m) => {
    if (process.env.CONFER_TEST_LOG) console.error("page:", m.text());
  });
  await page.goto(pageURL);
  await page.evaluate(([u, t]) => window.interopJoin(u, t), [livekitURL, token]);
  await say("joined", page);
  for await (const line of createInterface({ input: process.stdin })) {
    const msg = JSON.parse(line);
    if (msg.cmd === "quit") break;
    if (msg.cmd === "send") {
      await page.evaluate((t) => window.interopSend(t), msg.text);
      await say("sent", page);
    } else if (msg.cmd === "legacy") {
      await page.evaluate((t) => window.interopSendLegacy(t), msg.text);
      await say("sent", page);
    } else if (msg.cmd === "hand") {
      await page.evaluate(() => window.interopRaiseHand());
      await say("hand", page);
    } else if (msg.cmd === "received" || msg.cmd === "hand-of") {
      const cond =
        msg.cmd === "received"
          ? ([from, n]) => window.interopState().received.filter((m) => m.from === from).length >= n
          : ([from]) => !!window.interopState().hands[from];
      try {
        await page.waitForFunction(cond, [msg.from, msg.count || 0], { timeout: 20000, polling: 100 });
        await say(msg.cmd, page);
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
