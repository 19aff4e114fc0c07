// Drives headless Chromium over the DevTools protocol (Node's built-in WebSocket) through the
// site as a user would: sign up, search, save a paper, open its similar papers and the
// library; saves screenshots. Usage: node --experimental-websocket browser_flow.mjs
//   DEVTOOLS_PORT SITE_URL SCREENSHOT_DIR
import { writeFileSync } from "node:fs";

const [devtoolsPort, site, shots] = process.argv.slice(2);
const version = await (await fetch(`http://127.0.0.1:${devtoolsPort}/json/version`)).json();
const ws = new WebSocket(version.webSocketDebuggerUrl);
await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
let nextId = 1;
const pending = new Map();
const listeners = [];
ws.onmessage = (ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.id && pending.has(msg.id)) {
    const { ok, fail } = pending.get(msg.id);
    pending.delete(msg.id);
    msg.error ? fail(new Error(JSON.stringify(msg.error))) : ok(msg.result);
  } else if (msg.method) {
    for (const l of listeners) l(msg);
  }
};
const send = (method, params = {}, sessionId) => new Promise((ok, fail) => {
  const id = nextId++;
  pending.set(id, { ok, fail });
  ws.send(JSON.stringify({ id, method, params, sessionId }));
});

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
const page = (m, p) => send(m, p, sessionId);
const problems = [];
listeners.push((msg) => {
  if (msg.method === "Log.entryAdded" && msg.params.entry.level === "error") problems.push(msg.params.entry.text);
  if (msg.method === "Runtime.exceptionThrown") problems.push(JSON.stringify(msg.params.exceptionDetails.text));
});
await page("Page.enable");
await page("Runtime.enable");
await page("Log.enable");
await page("Emulation.setDeviceMetricsOverride", { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false });

function loaded() {
  return new Promise((ok) => {
    const l = (msg) => {
      if (msg.method === "Page.loadEventFired" && msg.sessionId === sessionId) {
        listeners.splice(listeners.indexOf(l), 1);
        ok();
      }
    };
    listeners.push(l);
  });
}
async function go(url) { const l = loaded(); await page("Page.navigate", { url: site + url }); await l; }
async function js(expr) {
  const r = await page("Runtime.evaluate", { expression: expr, awaitPromise: true, returnByValue: true });
  if (r.exceptionDetails) throw new Error(`${expr}: ${JSON.stringify(r.exceptionDetails)}`);
  return r.result.value;
}
async function shot(name) {
  const { data } = await page("Page.captureScreenshot", { format: "png" });
  writeFileSync(`${shots}/${name}.png`, Buffer.from(data, "base64"));
}
function check(cond, what) { if (!cond) { console.error("FAIL:", what); process.exit(1); } }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Sign up through the form.
await go("/signup");
await shot("signup");
let l = loaded();
await js(`document.querySelector('#username').value = 'reader';
          document.querySelector('#password').value = 'a good password';
          document.querySelector('form.account').submit(); true`);
await l;
check((await js("document.querySelector('.user a').textContent")) === "reader", "signed up and logged in");
await shot("recent");

// Search through the search box.
l = loaded();
await js(`document.querySelector('form.search input').value = 'diphoton';
          document.querySelector('form.search').submit(); true`);
await l;
const first = await js("document.querySelector('article.paper .save-form')?.dataset.id");
check(first, "search shows a result with a save button");
await shot("search");

// Save it (script: fetch PUT with the CSRF header, no reload).
await js("document.querySelector('article.paper .save-form button').click(); true");
for (let i = 0; i < 50 && (await js("document.querySelector('article.paper .save-form button').textContent")) !== "saved"; i++) await sleep(100);
check((await js("document.querySelector('article.paper .save-form button').textContent")) === "saved", "saved");
await shot("saved");

// Its similar papers.
l = loaded();
await js(`location.href = document.querySelector('article.paper .actions a[href^="/similar/"]').href; true`);
await l;
check((await js("document.querySelectorAll('article.paper').length")) > 3, "similar papers listed");
await shot("similar");

// The library holds the saved paper.
await go("/library");
check((await js(`[...document.querySelectorAll('.save-form')].map(f => f.dataset.id).join(',')`)) === first,
      "the library holds the saved paper");
await shot("library");

// A phone-sized view.
await page("Emulation.setDeviceMetricsOverride", { width: 390, height: 844, deviceScaleFactor: 2, mobile: true });
await go("/");
check((await js("document.documentElement.scrollWidth")) <= 390 + 1, "no horizontal scroll on a phone");
await shot("recent-phone");

check(problems.length === 0, `console errors (CSP violations?): ${problems.join(" | ")}`);
console.log("ok");
ws.close();
process.exit(0);
