// serve's pages about the data rather than lists of papers: /stats (+ /api/stats, a chart drawn
// as SVG by the server), /inspect/<id> (+ /api/inspect/<id>: a paper's tf-idf terms) and /about.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include <asp/arxiv/id.hpp>
#include <asp/core/time.hpp>

#include "serve/html.hpp"
#include "serve/site_impl.hpp"

namespace asp::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using web::Method;
using web::Request;
using web::Response;

constexpr int kChartDays = 90;
constexpr size_t kInspectTerms = 40;
constexpr size_t kUserTerms = 20;

// The file stems ("2101.00001v2") of the files in `dir` ending in `suffix`.
std::unordered_set<std::string> stems_in(const fs::path& dir, std::string_view suffix) {
    std::unordered_set<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            out.insert(name.substr(0, name.size() - suffix.size()));
    }
    return out;
}

std::string day_of(int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

// logs/last-run: "20261202T044349Z OK fetch download ... 4s <log path>" (Makefile.pipeline).
json last_run(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line)) return nullptr;
    std::vector<std::string> f;
    size_t pos = 0;
    while (pos < line.size()) {
        size_t end = line.find(' ', pos);
        if (end == std::string::npos) end = line.size();
        if (end > pos) f.push_back(line.substr(pos, end - pos));
        pos = end + 1;
    }
    if (f.size() < 3) return nullptr;
    json out;
    const std::string& s = f[0];
    out["time"] = s.size() == 16 ? s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" +
                                       s.substr(9, 2) + ":" + s.substr(11, 2) + ":" + s.substr(13, 2) + "Z"
                                 : s;
    out["result"] = f[1];
    json stages = json::array();
    std::optional<int64_t> seconds;
    for (size_t i = 2; i < f.size(); ++i) {
        const auto& w = f[i];
        if (w.size() > 1 && w.back() == 's' && std::all_of(w.begin(), w.end() - 1, [](char ch) { return ch >= '0' && ch <= '9'; })) {
            seconds = std::stoll(w.substr(0, w.size() - 1));
            break;  // the log's path follows: a server path, not shown
        }
        stages.push_back(w);
    }
    out["stages"] = stages;
    out["seconds"] = seconds ? json(*seconds) : json(nullptr);
    return out;
}

// Bars of papers per day, drawn by the server: no chart library, no script, nothing the CSP
// would block (presentation attributes, not style).
std::string per_day_svg(const json& per_day) {
    int64_t peak = 1;
    for (const auto& d : per_day) peak = std::max<int64_t>(peak, d["count"].get<int64_t>());
    const int w = 900, h = 220, left = 40, bottom = 24, top = 10;
    const double bar = static_cast<double>(w - left) / static_cast<double>(per_day.size());
    std::string svg = "<svg class=\"chart\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) +
                      "\" role=\"img\" aria-label=\"papers published per day, last " +
                      std::to_string(per_day.size()) + " days\" xmlns=\"http://www.w3.org/2000/svg\">";
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                  "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\" fill=\"#555\">%lld</text>"
                  "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\" fill=\"#555\">0</text>",
                  left, h - bottom, w, h - bottom, left - 4, top + 10, static_cast<long long>(peak), left - 4,
                  h - bottom);
    svg += buf;
    for (size_t i = 0; i < per_day.size(); ++i) {
        const auto n = per_day[i]["count"].get<int64_t>();
        const double bh = static_cast<double>(h - bottom - top) * static_cast<double>(n) / static_cast<double>(peak);
        std::snprintf(buf, sizeof buf,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#8a1c1c\">"
                      "<title>%s: %lld</title></rect>",
                      left + bar * static_cast<double>(i) + 0.5, h - bottom - bh, std::max(bar - 1.0, 0.5), bh,
                      per_day[i]["date"].get<std::string>().c_str(), static_cast<long long>(n));
        svg += buf;
    }
    for (size_t i : {size_t{0}, per_day.size() / 2, per_day.size() - 1}) {
        std::snprintf(buf, sizeof buf,
                      "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"%s\" fill=\"#555\">%s</text>",
                      left + bar * (static_cast<double>(i) + 0.5), h - 6,
                      i == 0 ? "start" : (i + 1 == per_day.size() ? "end" : "middle"),
                      per_day[i]["date"].get<std::string>().c_str());
        svg += buf;
    }
    svg += "</svg>";
    return svg;
}

std::string weight_text(double w) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", w);
    return buf;
}

// A table of terms with their weights (a <meter> bar each: no inline style needed).
std::string terms_table(const std::vector<std::pair<std::string, double>>& terms, const char* heading) {
    double peak = 0;
    for (const auto& [t, w] : terms) peak = std::max(peak, w);
    std::string out = "<table class=\"terms\"><thead><tr><th>";
    out += heading;
    out += "</th><th>weight</th><th></th></tr></thead><tbody>";
    for (const auto& [t, w] : terms) {
        out += "<tr><td>" + html::escape(t) + "</td><td>" + weight_text(w) + "</td><td><meter min=\"0\" max=\"" +
               weight_text(peak) + "\" value=\"" + weight_text(w) + "\"></meter></td></tr>";
    }
    out += "</tbody></table>";
    return out;
}

json terms_json(const std::vector<std::pair<std::string, double>>& terms) {
    json out = json::array();
    for (const auto& [t, w] : terms) out.push_back({{"term", t}, {"weight", w}});
    return out;
}

std::vector<std::pair<std::string, double>> top_k(std::vector<std::pair<std::string, double>> v, size_t k) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (v.size() > k) v.resize(k);
    return v;
}

}  // namespace

void Site::Impl::add_info_routes() {
    auto frame = [](const RequestContext& c, std::string title) {
        html::PageFrame f;
        f.title = std::move(title);
        f.user = c.user ? &*c.user : nullptr;
        f.csrf = c.csrf;
        return f;
    };

    // The data directory in numbers.
    auto stats = [this](const RequestContext& c) {
        const auto& catalog = *c.snap->catalog;
        const auto pdfs = stems_in(data_dir.pdf_dir(), ".pdf");
        auto txts = stems_in(data_dir.txt_dir(), ".txt");
        txts.merge(stems_in(data_dir.txt_dir(), ".txt.gz"));  // small-disk texts (asp/core/paper_text.hpp)
        int64_t with_pdf = 0, with_text = 0, with_thumb = 0;
        const int64_t now = static_cast<int64_t>(std::time(nullptr));
        const int64_t first_day = (now / 86400 - (kChartDays - 1)) * 86400;
        std::vector<int64_t> per_day(kChartDays, 0);
        for (uint32_t i = 0; i < catalog.size(); ++i) {
            auto p = catalog.at(i);
            std::string stem = file_stem(p.id, p.version);
            with_pdf += pdfs.count(stem);
            with_text += txts.count(stem);
            with_thumb += c.snap->thumbs->contains(stem);
            if (p.published_at >= first_day && p.published_at < first_day + int64_t{kChartDays} * 86400)
                ++per_day[static_cast<size_t>((p.published_at - first_day) / 86400)];
        }
        json days = json::array();
        for (int d = 0; d < kChartDays; ++d)
            days.push_back({{"date", day_of(first_day + int64_t{d} * 86400)}, {"count", per_day[static_cast<size_t>(d)]}});
        return json{{"papers", catalog.size()},
                    {"with_pdf", with_pdf},
                    {"with_text", with_text},
                    {"with_thumb", with_thumb},
                    {"indexed", c.snap->analysis->indexed_count()},
                    {"users", users.user_count()},
                    {"last_run", last_run(data_dir.root() / "logs" / "last-run")},
                    {"per_day", days}};
    };
    router.add(Method::Get, "/api/stats", [stats](Request& r) {
        return Response::json(200, stats(ctx(r)).dump());
    });
    router.add(Method::Get, "/stats", [stats, frame](Request& r) {
        auto& c = ctx(r);
        json s = stats(c);
        std::string main = "<h1>Statistics</h1><table class=\"stats\"><tbody>";
        auto row = [&main](const char* label, const json& v) {
            main += std::string("<tr><th>") + label + "</th><td>" + v.dump() + "</td></tr>";
        };
        row("papers", s["papers"]);
        row("with a PDF", s["with_pdf"]);
        row("with text", s["with_text"]);
        row("with a thumbnail", s["with_thumb"]);
        row("in the search index", s["indexed"]);
        row("accounts", s["users"]);
        main += "</tbody></table><h2>Last pipeline run</h2>";
        const json& run = s["last_run"];
        if (run.is_null()) {
            main += "<p class=\"notice\">No pipeline run recorded (logs/last-run).</p>";
        } else {
            std::string stages;
            for (const auto& st : run["stages"]) stages += (stages.empty() ? "" : " ") + st.get<std::string>();
            main += "<p class=\"run\">" + html::escape(run["time"].get<std::string>()) + ": <strong>" +
                    html::escape(run["result"].get<std::string>()) + "</strong>, " + html::escape(stages) +
                    (run["seconds"].is_null() ? "" : ", " + run["seconds"].dump() + " s") + "</p>";
        }
        main += "<h2>Papers published per day, last " + std::to_string(kChartDays) + " days</h2>" +
                per_day_svg(s["per_day"]);
        return Response::html(200, html::document(frame(c, "statistics"), main));
    });

    // A paper's tf-idf terms; for a user with recommendations also the terms it shares with
    // their library.
    auto inspect = [this](RequestContext& c, const std::string& id) {
        json out{{"id", id}};
        auto terms = c.snap->analysis->terms_of(id);
        out["terms"] = terms_json(top_k(terms, kInspectTerms));
        if (c.user && !c.snap->analysis->recommendations(c.user->id).empty()) {
            // The library's mean tf-idf vector (what the SVM's positive side is made of) times
            // this paper's weights: the terms that bring the paper close to the library.
            std::unordered_map<std::string, double> mean;
            auto lib = users.library(c.user->id);
            for (const auto& e : lib)
                for (const auto& [t, w] : c.snap->analysis->terms_of(e.paper_id)) mean[t] += w;
            std::vector<std::pair<std::string, double>> yours;
            for (const auto& [t, w] : terms)
                if (auto it = mean.find(t); it != mean.end() && !lib.empty())
                    yours.emplace_back(t, w * it->second / static_cast<double>(lib.size()));
            out["user_terms"] = terms_json(top_k(yours, kUserTerms));
        }
        return out;
    };
    router.add(Method::Get, "/api/inspect/*", [this, inspect](Request& r) {
        auto& c = ctx(r);
        auto id = paper_id_from_path(r.path_rest);
        if (!id) return Response::json_error(400, "not an arXiv id");
        if (!c.snap->catalog->find(*id)) return Response::json_error(404, "no such paper");
        return Response::json(200, inspect(c, *id).dump(-1, ' ', false, json::error_handler_t::replace));
    });
    router.add(Method::Get, "/inspect/*", [this, inspect, frame](Request& r) {
        auto& c = ctx(r);
        auto id = paper_id_from_path(r.path_rest);
        auto p = id ? c.snap->catalog->find(*id) : std::nullopt;
        if (!p) {
            std::string main = std::string("<h1>Sorry</h1><p class=\"error\">") +
                               (id ? "no such paper" : "not an arXiv id") + "</p>";
            return Response::html(id ? 404 : 400, html::document(frame(c, "error"), main));
        }
        json j = inspect(c, *id);
        std::vector<ListItem> origin{list_item(*p)};
        with_abstracts(*c.snap->catalog, origin);
        std::string main = "<h1>Inspect " + html::escape(*id) + "</h1>";
        html::paper_card(main, origin[0], c.snap->thumbs->contains(file_stem(p->id, p->version)),
                         in_library(c, p->id), c.user.has_value(), c.csrf, "/inspect/" + *id);
        auto pairs = [](const json& a) {
            std::vector<std::pair<std::string, double>> v;
            for (const auto& t : a) v.emplace_back(t["term"].get<std::string>(), t["weight"].get<double>());
            return v;
        };
        main += "<div class=\"inspect\"><section><h2>Its highest tf-idf terms</h2>";
        if (j["terms"].empty())
            main += "<p class=\"notice\">Not in analyze's index yet (analyze has not run since it "
                    "was fetched).</p>";
        else
            main += "<p class=\"hint\">From analyze's index: the words and word pairs that tell "
                    "this paper apart (term frequency x inverse document frequency, rows "
                    "normalised). Similar papers share these.</p>" +
                    terms_table(pairs(j["terms"]), "term");
        main += "</section>";
        if (j.contains("user_terms")) {
            main += "<section><h2>What brings it close to your library</h2><p class=\"hint\">This "
                    "paper's weight times your library's mean weight, per term: the terms your "
                    "recommendations lean on for it.</p>";
            main += j["user_terms"].empty() ? "<p class=\"notice\">It shares no term with your library.</p>"
                                            : terms_table(pairs(j["user_terms"]), "term");
            main += "</section>";
        }
        main += "</div>";
        return Response::html(200, html::document(frame(c, "inspect " + *id), main));
    });

    router.add(Method::Get, "/about", [frame](Request& r) {
        auto& c = ctx(r);
        std::string queries;
        for (const auto& q : c.snap->catalog->followed_queries())
            queries += (queries.empty() ? "<code>" : ", <code>") + html::escape(q) + "</code>";
        if (queries.empty()) queries = "none yet (fetch has not run)";
        std::string main =
            "<h1>About</h1>"
            "<p>This site follows new papers on <a href=\"https://arxiv.org/\">arXiv</a> and helps "
            "you find the ones worth reading, as Andrej Karpathy's arxiv-sanity did: the most recent "
            "papers, the papers most saved by readers here (<a href=\"/top\">top</a>), papers "
            "similar to one you like, and recommendations learned from your library.</p>"
            "<h2>What it follows</h2><p>The papers come from arXiv's API, for the query the "
            "operator set (the pipeline's <code>fetch</code> stage): <span class=\"query\">" +
            queries + "</span>. See <a href=\"/stats\">statistics</a> for what is here now. "
            "Their PDFs are downloaded to extract text and draw the page thumbnails; PDFs and "
            "abstracts link to arXiv.</p>"
            "<h2>Similar papers</h2><p>Each paper's text (the full text when its PDF could be read, "
            "otherwise title and abstract) becomes a tf-idf vector of words and word pairs; papers "
            "are similar when their vectors point the same way (cosine similarity). "
            "The \"inspect\" link on a paper shows its strongest terms.</p>"
            "<h2>Recommendations</h2><p>For each reader with a library, a linear SVM learns to "
            "tell the saved papers from the rest over the same vectors; the papers it scores "
            "highest, not yet saved, are the recommendations (refreshed on each pipeline run). "
            "The match level on a card says how far a paper is on the side of your library.</p>"
            "<h2>Search</h2><p>arXiv's syntax: <code>au:</code>, <code>ti:</code>, "
            "<code>abs:</code>, <code>cat:</code>, <code>id:</code>, quoted phrases, "
            "<code>AND</code>, <code>OR</code>, <code>ANDNOT</code>.</p>" +
            html::search_help() +
            "<h2>Acknowledgement</h2><p class=\"ack\">Thank you to arXiv for use of its open "
            "access interoperability. This site is not affiliated with arXiv; it stores only "
            "metadata, text extracted for its own indexing, and thumbnails.</p>";
        return Response::html(200, html::document(frame(c, "about"), main));
    });
}

}  // namespace asp::serve
