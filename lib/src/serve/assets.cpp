// The site's one stylesheet and one script, served by serve itself (/static/...): no CDN,
// no inline style or script (the Content-Security-Policy allows only 'self').
#include "serve/html.hpp"

namespace asp::serve::html {

const std::string& stylesheet() {
    static const std::string css = R"css(
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#f6f6f4}
a{color:#8a1c1c;text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.6rem 1rem;background:#8a1c1c;color:#fff}
header.top a{color:#fff}
.brand{font-weight:700;font-size:1.15rem;letter-spacing:.02em}
header nav{display:flex;gap:.8rem;flex-wrap:wrap}
form.search{display:flex;flex:1 1 16rem;gap:.3rem;max-width:32rem}
form.search input{flex:1;min-width:0;padding:.35rem .5rem;border:0;border-radius:4px;font:inherit}
button{font:inherit;padding:.3rem .7rem;border:1px solid #8a1c1c;border-radius:4px;background:#fff;color:#8a1c1c;cursor:pointer}
button.on{background:#8a1c1c;color:#fff}
header button{border-color:#fff}
.user{display:flex;gap:.7rem;align-items:center;margin-left:auto}
form.inline{display:inline;margin:0}
button.link{background:none;border:0;color:inherit;padding:0;text-decoration:underline}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.3rem 0 .8rem}
.notice{background:#fff8e1;border:1px solid #e8d48b;padding:.5rem .8rem;border-radius:4px}
.error{background:#fdecea;border:1px solid #e6a19a;padding:.5rem .8rem;border-radius:4px}
.filters{display:flex;flex-wrap:wrap;gap:.4rem;margin:.2rem 0 .8rem}
.filters a{padding:.15rem .6rem;border:1px solid #ccc;border-radius:999px;background:#fff;color:#333}
.filters a.on{background:#8a1c1c;border-color:#8a1c1c;color:#fff}
article.paper{background:#fff;border:1px solid #e2e2de;border-radius:6px;padding:.8rem 1rem;margin:0 0 .9rem}
article.paper h2{font-size:1.1rem;margin:0 0 .25rem}
.authors{margin:.1rem 0;color:#333}
.meta{display:flex;flex-wrap:wrap;gap:.3rem .7rem;margin:.2rem 0;font-size:.85rem;color:#666}
.cat{background:#eef1f5;border-radius:3px;padding:0 .35rem;color:#334}
.thumbs{display:block;margin:.4rem 0;max-width:100%}
.thumbs img{display:block;width:100%;max-width:100%;height:auto}
.authors a{color:#333}
.more-authors{display:inline}.more-authors summary{display:inline;cursor:pointer;color:#8a1c1c}
.more-authors[open] summary{display:none}
.extra{display:flex;flex-wrap:wrap;gap:.2rem .9rem;margin:.3rem 0;font-size:.85rem;color:#555}
.katex{font-size:1.05em}
.abstract,article.paper h2,.extra{overflow-x:auto;overflow-y:hidden}
.score{color:#555}
.bars{display:inline-block;width:2em;height:.6em;margin-right:.3em;border:1px solid #8a1c1c;border-radius:2px;background:linear-gradient(to right,#8a1c1c var(--w),#fff var(--w))}
.bars.b1{--w:25%}.bars.b2{--w:50%}.bars.b3{--w:75%}.bars.b4{--w:100%}
.filters a.export{border-color:#8a1c1c;color:#8a1c1c}
table.stats,table.terms{border-collapse:collapse;background:#fff;margin:.3rem 0 1rem}
table.stats th,table.stats td,table.terms th,table.terms td{padding:.2rem .8rem;border-bottom:1px solid #eee;text-align:left}
table.stats td{text-align:right;font-variant-numeric:tabular-nums}
table.terms meter{width:10rem}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #e2e2de;border-radius:6px}
.inspect{display:flex;flex-wrap:wrap;gap:0 2rem}
.hint{color:#666;font-size:.9rem;margin:.2rem 0 .8rem}
details.help{margin:.2rem 0 .8rem;font-size:.9rem}
details.help code{background:#eef1f5;padding:0 .25rem;border-radius:3px}
.abstract{margin:.4rem 0}
.actions{display:flex;flex-wrap:wrap;gap:.9rem;align-items:center;font-size:.95rem}
.actions form{margin:0}
.pager{display:flex;gap:1rem;justify-content:center;margin:1rem 0}
form.account{background:#fff;border:1px solid #e2e2de;border-radius:6px;padding:1rem;max-width:24rem;margin:0 0 1rem}
form.account label{display:block;margin:.4rem 0 .1rem}
form.account input{width:100%;padding:.4rem;font:inherit;border:1px solid #bbb;border-radius:4px}
form.account button{margin-top:.8rem}
.tags{display:flex;flex-wrap:wrap;gap:.3rem;margin:.3rem 0}
.chip{display:inline-flex;gap:.25rem;align-items:center;padding:0 .5rem;border-radius:999px;background:#f3e6e6;font-size:.85rem}
.chip button.link{text-decoration:none;color:#8a1c1c}
.tag-form input{width:8rem;padding:.25rem .4rem;font:inherit;border:1px solid #bbb;border-radius:4px}
.tag-form{display:flex;gap:.3rem}
.tag-admin{display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;margin:0 0 .8rem}
.tag-admin input{padding:.25rem .4rem;font:inherit;border:1px solid #bbb;border-radius:4px}
.count{opacity:.7;font-size:.85em}
.computed{font-size:.85rem;color:#666;margin:.2rem 0 .6rem}
.comments{display:flex;flex-direction:column;gap:.6rem;margin:0 0 1rem}
article.comment{background:#fff;border:1px solid #e2e2de;border-radius:6px;padding:.6rem .8rem}
article.comment.hidden{opacity:.6;border-style:dashed}
article.comment header{font-size:.85rem;color:#555;margin-bottom:.3rem}
article.comment .author{font-weight:600}
.comment-text p{margin:.3rem 0;white-space:pre-wrap;overflow-wrap:anywhere}
.comment-tags,.comment-actions{display:flex;flex-wrap:wrap;gap:.3rem;margin-top:.4rem}
.ctag{font-size:.8rem;padding:.05rem .5rem;border-radius:999px;border:1px solid #ccc;background:#f6f6f3}
button.ctag{padding:.05rem .5rem;color:#333}
button.ctag.on{background:#e6eef8;border-color:#7a9cc6;color:#1a3d6b;font-weight:600}
details.folded summary{color:#8a1c1c;font-size:.85rem;cursor:pointer}
form.post-comment{display:flex;flex-direction:column;gap:.4rem;max-width:40rem}
form.post-comment textarea,.comment-actions textarea{width:100%;font:inherit;padding:.4rem;border:1px solid #bbb;border-radius:4px}
.saved-by{font-size:.85rem;color:#555;margin:.2rem 0}
footer{max-width:60rem;margin:1rem auto;padding:0 1rem 2rem;font-size:.8rem;color:#777}
@media (max-width:600px){body{font-size:15px}main{padding:.6rem}.user{margin-left:0}article.paper{padding:.6rem}}
)css";
    return css;
}

const std::string& script() {
    static const std::string js = R"js(
"use strict";
// Save / unsave without a page load; the forms still work without script.
(function () {
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrf=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  // TeX in titles, abstracts and comments, typeset by KaTeX when it loaded.
  if (window.renderMathInElement) {
    var opts = {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true }
      ],
      throwOnError: false
    };
    document.querySelectorAll(".tex").forEach(function (el) {
      try { window.renderMathInElement(el, opts); } catch (e) { /* the source text stays */ }
    });
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains("save-form")) return;
    ev.preventDefault();
    var saved = form.dataset.saved === "1";
    fetch("/api/library/" + form.dataset.id, {
      method: saved ? "DELETE" : "PUT",
      headers: { "X-CSRF-Token": csrf() },
      credentials: "same-origin"
    }).then(function (r) {
      if (r.status === 401) { window.location.href = "/login"; return; }
      if (!r.ok) return;
      var button = form.querySelector("button");
      form.dataset.saved = saved ? "0" : "1";
      form.querySelector("input[name=action]").value = saved ? "save" : "unsave";
      button.textContent = saved ? "save" : "saved";
      button.classList.toggle("on", !saved);
    });
  });
  function send(method, url, body) {
    var h = { "X-CSRF-Token": csrf() };
    if (body) h["Content-Type"] = "application/json";
    return fetch(url, { method: method, headers: h, credentials: "same-origin",
                        body: body ? JSON.stringify(body) : undefined });
  }
  // Tag, untag and "not interested" without leaving the page.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList) return;
    var id = form.dataset.id, card = form.closest("article");
    if (form.classList.contains("tag-form")) {
      ev.preventDefault();
      var input = form.querySelector("input[name=tag]"), name = input.value;
      send("PUT", "/api/tags/" + encodeURIComponent(name) + "/" + id).then(function (r) {
        if (r.status === 401) { window.location.href = "/login"; return; }
        if (!r.ok) { r.json().then(function (j) { input.setCustomValidity(j.error || "error"); input.reportValidity(); }); return; }
        input.value = ""; input.setCustomValidity("");
        var row = card.querySelector(".tags");
        if (!row) { row = document.createElement("p"); row.className = "tags"; form.parentNode.parentNode.insertBefore(row, form.parentNode); }
        var chip = document.createElement("span"); chip.className = "chip";
        var a = document.createElement("a"); a.href = "/library?tag=" + encodeURIComponent(name); a.textContent = name;
        chip.appendChild(a); row.appendChild(chip);
        var save = card.querySelector(".save-form button");
        if (save) { save.textContent = "saved"; save.classList.add("on"); save.form.dataset.saved = "1";
                    save.form.querySelector("input[name=action]").value = "unsave"; }
      });
    } else if (form.classList.contains("untag-form")) {
      ev.preventDefault();
      var tag = form.querySelector("input[name=tag]").value;
      send("DELETE", "/api/tags/" + encodeURIComponent(tag) + "/" + id).then(function (r) {
        if (r.ok) form.closest(".chip").remove();
      });
    } else if (form.classList.contains("feedback-form")) {
      ev.preventDefault();
      send("PUT", "/api/feedback/" + id, { value: -1 }).then(function (r) {
        if (!r.ok) return;
        var kept = Array.prototype.slice.call(card.childNodes);
        kept.forEach(function (n) { n.hidden = true; });
        var note = document.createElement("p"); note.className = "notice";
        note.textContent = "Not interested: it will not be recommended again. ";
        var undo = document.createElement("button"); undo.type = "button"; undo.textContent = "undo";
        undo.addEventListener("click", function () {
          send("DELETE", "/api/feedback/" + id).then(function (r2) {
            if (!r2.ok) return;
            note.remove(); kept.forEach(function (n) { n.hidden = false; });
          });
        });
        note.appendChild(undo); card.appendChild(note);
      });
    }
  });
})();
)js";
    return js;
}

}  // namespace asp::serve::html
