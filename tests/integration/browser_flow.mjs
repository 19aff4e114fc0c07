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

// Every thumbnail strip fits its card: no scrollbar in the strip, no page wider than the window.
const fits = `[...document.querySelectorAll('a.thumbs')].every(a => {
    const card = a.closest('article').getBoundingClientRect(), img = a.querySelector('img').getBoundingClientRect();
    return a.scrollWidth <= a.clientWidth + 1 && img.right <= card.right + 0.5 && img.width > 0; })
  && document.documentElement.scrollWidth <= window.innerWidth + 1`;
const strips = "document.querySelectorAll('a.thumbs img').length";

// TeX typeset by KaTeX (served by serve itself); the source text is in the page without script.
await go("/");
for (let i = 0; i < 30 && (await js("document.querySelectorAll('.katex').length")) === 0; i++) await sleep(100);
check((await js("document.querySelectorAll('.abstract .katex, h2 .katex').length")) > 0, "KaTeX typeset the TeX");
const why = `JSON.stringify([...document.querySelectorAll('a.thumbs')].slice(0, 3).map(a => {
    const card = a.closest('article').getBoundingClientRect(), img = a.querySelector('img').getBoundingClientRect();
    return [a.scrollWidth, a.clientWidth, img.right, card.right, img.width]; })
  .concat([document.documentElement.scrollWidth, window.innerWidth],
    [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)
      .slice(0, 5).map(e => e.tagName + '.' + e.className + ':' + e.getBoundingClientRect().right)))`;
check((await js(strips)) > 0 && (await js(fits)), "thumbnail strips fit the card at 1200 px: " + (await js(why)));

// Field search: a category chip is a link to its cat: search.
l = loaded();
await js(`location.href = document.querySelector('article.paper a.cat').href; true`);
await l;
check((await js("document.querySelector('form.search input').value")).startsWith("cat:"), "a chip searches cat:");
check((await js("document.querySelectorAll('article.paper').length")) > 0, "the cat: search lists papers");
l = loaded();
await js(`document.querySelector('form.search input').value = 'au:wang OR ti:"dark energy"';
          document.querySelector('form.search').submit(); true`);
await l;
check((await js("document.querySelectorAll('article.paper').length")) > 0, "au: OR ti: finds papers");
await shot("search-fields");

// More than ten authors: ten shown, an expander for the rest (no script needed).
await go("/similar/0704.0048");
check((await js("document.querySelector('.origin .more-authors summary').textContent")) === "and 4 more",
      "a long author list is shortened");
check((await js("document.querySelector('.origin .more-authors').open")) === false, "closed at first");
await js("document.querySelector('.origin .more-authors summary').click(); true");
check((await js("document.querySelector('.origin .more-authors').open")) === true, "the expander opens");
await shot("long-authors");

// Top recent, saves in words.
await go("/top?time=all");
check((await js("document.querySelector('article.paper .score').textContent")) === "saved by 1 library", "top: saved by N");
await shot("top");

// Inspect, statistics (the SVG chart drawn by serve), about.
await go(`/inspect/${first}`);
check((await js("document.querySelectorAll('table.terms meter').length")) > 5, "inspect lists terms");
await shot("inspect");
await go("/stats");
check((await js("document.querySelectorAll('svg.chart rect').length")) === 90, "a bar per day");
check((await js("[...document.querySelectorAll('svg.chart rect')].some(r => r.height.baseVal.value > 0)")), "bars drawn");
await shot("stats");
await go("/about");
check((await js("document.body.textContent")).includes("Thank you to arXiv for use of its open access interoperability"), "about");

// Discussions: a hostile comment (posted by "alice" before the flow) and one posted here
// through the form show as text; no element or handler comes from them.
await go("/discussions");
l = loaded();
await js(`location.href = document.querySelector('article.paper a.discuss').href; true`);
await l;
check((await js("document.querySelectorAll('article.comment').length")) >= 1, "the discussion lists alice's comment");
l = loaded();
await js(`document.querySelector('#comment-text').value = 'Mine: <img src=x onerror="window.__xss=2"> <script>window.__xss=3</script>\\n\\nsee https://arxiv.org/abs/0704.0001';
          document.querySelector('form.post-comment').submit(); true`);
await l;
const xss = `({
  scripts: document.querySelectorAll('.comments script').length,
  imgs: document.querySelectorAll('.comment-text img').length,
  handlers: [...document.querySelectorAll('.comments *')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
  fired: window.__xss || 0,
  texts: [...document.querySelectorAll('.comment-text')].map(e => e.textContent),
  links: [...document.querySelectorAll('.comment-text a')].map(a => a.rel + ' ' + a.href),
  authors: [...document.querySelectorAll('article.comment .author')].map(a => a.textContent) })`;
const seenDom = await js(xss);
check(seenDom.scripts === 0 && seenDom.imgs === 0 && seenDom.handlers === 0 && seenDom.fired === 0,
      "no element or handler from comment text: " + JSON.stringify(seenDom));
check(seenDom.texts.some(x => x.includes('<script>alert("alice")</script>')), "alice's text as text: " + JSON.stringify(seenDom.texts));
check(seenDom.texts.some(x => x.includes('Mine: <img src=x onerror="window.__xss=2">')), "the posted text as text");
check(seenDom.links.includes("nofollow ugc noopener https://arxiv.org/abs/0704.0001"), "links nofollow: " + JSON.stringify(seenDom.links));
check(JSON.stringify(seenDom.authors) === JSON.stringify(["alice", "reader"]), "authors: " + JSON.stringify(seenDom.authors));
// Tag alice's comment with a click (a form: the page reloads with the tag marked).
l = loaded();
await js(`[...document.querySelectorAll('article.comment')][0].querySelector('button.ctag').click(); true`);
await l;
check((await js("document.querySelector('article.comment button.ctag.on')?.textContent")) === "insightful! 1", "tagged by a click");
await shot("discussion");

// Follow alice (her library is public) and see her saves in /friends.
await go("/u/alice");
l = loaded();
await js(`document.querySelector('form[action="/follow/alice"] button').click(); true`);
await l;
await go("/friends");
check((await js("document.querySelectorAll('article.paper').length")) === 3, "alice's three saves");
check((await js("document.querySelector('.saved-by a').textContent")) === "alice", "saved by alice");
await shot("friends");

// An unknown page: the site's 404 page.
const seen = problems.length;
await go("/no/such/page");
check((await js("document.querySelector('header.top') !== null && document.querySelector('h1').textContent")) === "Not found", "HTML 404");
// The browser logs the 404 status itself; only that line is expected.
for (let i = problems.length - 1; i >= seen; i--) if (/404/.test(problems[i])) problems.splice(i, 1);

// A phone-sized view.
await page("Emulation.setDeviceMetricsOverride", { width: 390, height: 844, deviceScaleFactor: 2, mobile: true });
await go("/");
check((await js("document.documentElement.scrollWidth")) <= 390 + 1, "no horizontal scroll on a phone");
check((await js(strips)) > 0 && (await js(fits)), "thumbnail strips fit the card on a phone");
await shot("recent-phone");
await go("/stats");
check((await js("document.documentElement.scrollWidth")) <= 390 + 1, "the chart fits a phone");
await shot("stats-phone");

check(problems.length === 0, `console errors (CSP violations?): ${problems.join(" | ")}`);
console.log("ok");
ws.close();
process.exit(0);
