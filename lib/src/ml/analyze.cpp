#include <asp/ml/analyze.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include <asp/core/atomic_file.hpp>
#include <asp/core/time.hpp>
#include <asp/store/papers_db.hpp>

#include "ml/generation.hpp"
#include "ml/neighbours.hpp"
#include "ml/parallel.hpp"
#include "ml/search_words.hpp"
#include "ml/term_hash.hpp"

namespace asp::ml {
namespace {

namespace fs = std::filesystem;

struct PaperDoc {
    std::string id;
    int version = 1;
    std::string title, abstract, updated;
    std::vector<std::string> authors, categories;
    int64_t time = 0;
    DocSource source = DocSource::TitleAbstract;
    uint64_t doc_fp = 0, meta_fp = 0;
    fs::path txt;
};

uint64_t fingerprint(std::initializer_list<std::string_view> parts) {
    std::string s;
    for (auto p : parts) {
        s += std::to_string(p.size());
        s += ':';
        s += p;
    }
    return term_hash(s);
}

std::vector<PaperDoc> load_papers(const DataDir& dir, const AnalyzeParams& params) {
    if (!fs::exists(dir.papers_db()))
        throw std::runtime_error(dir.papers_db().string() + ": no such file (run fetch first)");
    PapersDb db(dir.papers_db(), OpenMode::ReadOnly);
    std::vector<PaperDoc> docs;
    db.for_each([&](const Paper& p) {
        PaperDoc d;
        d.id = p.id;
        d.version = p.version;
        d.title = p.title;
        d.abstract = p.abstract;
        d.updated = p.updated.empty() ? p.published : p.updated;
        d.authors = p.authors;
        d.categories = p.categories;
        d.time = parse_iso8601(d.updated).value_or(0);
        d.txt = dir.txt_path(p.id, p.version);
        struct stat st {};
        if (::stat(d.txt.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<size_t>(st.st_size) > params.min_text_bytes &&
            static_cast<size_t>(st.st_size) < params.max_text_bytes) {
            d.source = DocSource::FullText;
            const std::string stamp = std::to_string(st.st_size) + "@" +
                                      std::to_string(st.st_mtim.tv_sec) + "." +
                                      std::to_string(st.st_mtim.tv_nsec);
            d.doc_fp = fingerprint({"text", std::to_string(p.version), stamp});
        } else {
            d.doc_fp = fingerprint({"abs", p.title, p.abstract});
        }
        std::string authors, cats;
        for (const auto& a : p.authors) authors += a + "\x1f";
        for (const auto& c : p.categories) cats += c + "\x1f";
        d.meta_fp = fingerprint({p.title, p.abstract, authors, cats, d.updated});
        docs.push_back(std::move(d));
    });
    std::sort(docs.begin(), docs.end(),
              [](const PaperDoc& a, const PaperDoc& b) { return a.id < b.id; });
    return docs;
}

std::string document_text(const PaperDoc& d) {
    if (d.source == DocSource::FullText) {
        try {
            return read_file(d.txt);
        } catch (const std::exception& e) {
            spdlog::warn("{}: {}; using title and abstract", d.id, e.what());
        }
    }
    return d.title + "\n" + d.abstract;
}

struct Csr {
    std::vector<uint64_t> row_ptr{0};
    std::vector<uint32_t> col;
    std::vector<float> val;
    CsrView view() const { return {row_ptr, col, val}; }
};

struct Lists {
    std::vector<std::vector<Neighbour>> of;  // per document, best first
};

// The search index: word -> (doc, weight), as the original's search dictionaries.
struct SearchIndex {
    StringTableBuilder terms;
    std::vector<uint64_t> ptr{0};
    std::vector<uint32_t> doc;
    std::vector<float> weight;
    std::vector<float> recency;
};

SearchIndex build_search(const std::vector<PaperDoc>& docs, const TfidfModel& model) {
    std::unordered_map<std::string, std::vector<std::pair<uint32_t, float>>> postings;
    std::unordered_map<std::string, float> w;
    for (uint32_t d = 0; d < docs.size(); ++d) {
        const PaperDoc& p = docs[d];
        w.clear();
        auto add_words = [&](const std::vector<std::string>& words, auto weight_of) {
            std::set<std::string> uniq(words.begin(), words.end());
            for (const auto& x : uniq) w[x] += weight_of(x);
        };
        const auto fixed = [](const std::string&) { return kFieldWeight; };
        add_words(search_words(p.title), fixed);
        std::string names;
        for (const auto& a : p.authors) names += a + " ";
        auto author_words = search_words(names);
        std::erase(author_words, std::string("and"));
        add_words(author_words, fixed);
        std::vector<std::string> cats;
        for (auto c : p.categories) {
            for (char& ch : c) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            cats.push_back(c);
        }
        add_words(cats, fixed);
        add_words(search_words(p.abstract), [&](const std::string& x) {
            auto t = model.index_of(x);
            return t ? static_cast<float>(model.idf()[*t]) : 1.0f;
        });
        w[p.id] += kIdWeight;
        for (const auto& [term, weight] : w) postings[term].emplace_back(d, weight);
    }
    std::vector<std::string> terms;
    terms.reserve(postings.size());
    for (const auto& [t, _] : postings) terms.push_back(t);
    std::sort(terms.begin(), terms.end());
    SearchIndex s;
    for (const auto& t : terms) {
        auto& list = postings[t];
        std::sort(list.begin(), list.end());
        s.terms.add(t);
        for (const auto& [d, wt] : list) {
            s.doc.push_back(d);
            s.weight.push_back(wt);
        }
        s.ptr.push_back(s.doc.size());
        list = {};
    }
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    for (const auto& p : docs) {
        tmin = std::min(tmin, p.time);
        tmax = std::max(tmax, p.time);
    }
    for (const auto& p : docs)
        s.recency.push_back(tmax > tmin ? static_cast<float>(static_cast<double>(p.time - tmin) /
                                                             static_cast<double>(tmax - tmin))
                                        : 0.0f);
    return s;
}

void write_generation(const fs::path& dir, const std::vector<PaperDoc>& docs,
                      const std::vector<uint64_t>& row_gen,
                      const TfidfModel& model, uint64_t fit_docs, const Csr& m,
                      const Lists& lists, size_t top_k, const SearchIndex& search) {
    fs::create_directories(dir);
    {
        StringTableBuilder ids;
        std::vector<uint32_t> version;
        std::vector<uint64_t> doc_fp, meta_fp;
        std::vector<int64_t> time;
        std::vector<uint8_t> source;
        for (const auto& d : docs) {
            ids.add(d.id);
            version.push_back(static_cast<uint32_t>(d.version));
            doc_fp.push_back(d.doc_fp);
            meta_fp.push_back(d.meta_fp);
            time.push_back(d.time);
            source.push_back(static_cast<uint8_t>(d.source));
        }
        SectionFileWriter w(kDocsKind);
        ids.add_to(w, "ids");
        w.add("version", version);
        w.add("doc_fp", doc_fp);
        w.add("meta_fp", meta_fp);
        w.add("time", time);
        w.add("source", source);
        w.add("row_gen", row_gen);
        w.write(dir / "docs.bin");
    }
    {
        StringTableBuilder terms;
        for (const auto& t : model.terms()) terms.add(t);
        const std::string params = model.params().fingerprint();
        const std::vector<uint64_t> fit{fit_docs};
        SectionFileWriter w(kVocabKind);
        terms.add_to(w, "terms");
        w.add("idf", model.idf());
        w.add("params", params);
        w.add("fit_docs", fit);
        w.write(dir / "vocab.bin");
    }
    {
        SectionFileWriter w(kTfidfKind);
        w.add("row_ptr", m.row_ptr);
        w.add("col", m.col);
        w.add("val", m.val);
        w.write(dir / "tfidf.bin");
    }
    {
        std::vector<uint64_t> ptr{0};
        std::vector<uint32_t> doc;
        std::vector<float> score;
        for (const auto& l : lists.of) {
            for (const auto& n : l) {
                doc.push_back(n.doc);
                score.push_back(n.score);
            }
            ptr.push_back(doc.size());
        }
        const std::vector<uint32_t> k{static_cast<uint32_t>(top_k)};
        SectionFileWriter w(kSimilarKind);
        w.add("ptr", ptr);
        w.add("doc", doc);
        w.add("score", score);
        w.add("top_k", k);
        w.write(dir / "similar.bin");
    }
    {
        SectionFileWriter w(kSearchKind);
        search.terms.add_to(w, "terms");
        w.add("ptr", search.ptr);
        w.add("doc", search.doc);
        w.add("weight", search.weight);
        w.add("recency", search.recency);
        w.write(dir / "search.bin");
    }
}

void prune_generations(const fs::path& index_dir, uint64_t current, int keep) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(index_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("gen-", 0) != 0 || !e.is_directory()) continue;
        uint64_t g = 0;
        try {
            g = std::stoull(name.substr(4));
        } catch (const std::exception&) {
            continue;
        }
        if (g + static_cast<uint64_t>(std::max(keep, 1)) <= current || g > current) {
            fs::remove_all(e.path(), ec);
            if (ec) spdlog::warn("cannot remove old generation {}: {}", name, ec.message());
        }
    }
}

uint64_t next_generation(const fs::path& index_dir) {
    uint64_t g = read_current_generation(index_dir).value_or(0);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(index_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("gen-", 0) != 0) continue;
        try {
            g = std::max<uint64_t>(g, std::stoull(name.substr(4)));
        } catch (const std::exception&) {
        }
    }
    return g + 1;
}

TfidfModel model_of(const Generation& g, const TfidfParams& params) {
    std::vector<std::string> terms;
    terms.reserve(g.terms.size());
    for (size_t i = 0; i < g.terms.size(); ++i) terms.emplace_back(g.terms[i]);
    return TfidfModel(params, std::move(terms), {g.idf.begin(), g.idf.end()});
}

}  // namespace

AnalyzeReport run_analyze(const DataDir& data_dir, const AnalyzeParams& params) {
    const auto start = std::chrono::steady_clock::now();
    AnalyzeReport report;
    const fs::path index_dir = data_dir.index_dir();
    fs::create_directories(index_dir);
    remove_stale_temp_files(index_dir);

    std::vector<PaperDoc> docs = load_papers(data_dir, params);
    const size_t n = docs.size();
    report.papers = n;
    for (const auto& d : docs) report.full_text += d.source == DocSource::FullText;
    spdlog::info("{} papers ({} with full text)", n, report.full_text);

    std::unique_ptr<Generation> prev;
    if (auto g = read_current_generation(index_dir)) prev = std::make_unique<Generation>(index_dir, *g);

    const std::string fp = params.tfidf.fingerprint();
    bool refit = params.refit || !prev;
    if (prev && prev->params != fp) {
        spdlog::info("parameters changed since the last fit: refitting");
        refit = true;
    }
    if (prev && !refit &&
        static_cast<double>(n) >
            static_cast<double>(prev->fit_docs) * (1.0 + params.refit_growth)) {
        spdlog::info("corpus grew from {} to {} papers since the last fit (> {:.0f}%): refitting",
                     prev->fit_docs, n, params.refit_growth * 100);
        refit = true;
    }
    report.refitted = refit;

    auto text_of = [&](size_t i) { return document_text(docs[i]); };
    std::unique_ptr<TfidfModel> model;
    uint64_t fit_docs = 0;
    std::vector<SparseVector> fresh;  // rows of the dirty documents
    std::vector<char> has_row;        // fresh[i] already computed (by the fit)
    if (refit) {
        // The fit sample: every document, or the max_train whose id hashes lowest (as the
        // original's random max_train = 5000, but stable: tomorrow's refit picks mostly the
        // same papers).
        std::vector<size_t> sample(n);
        for (size_t i = 0; i < n; ++i) sample[i] = i;
        const size_t m = params.tfidf.max_train;
        if (m > 0 && n > m) {
            std::vector<std::pair<uint64_t, size_t>> h(n);
            for (size_t i = 0; i < n; ++i) h[i] = {term_hash(docs[i].id), i};
            std::nth_element(h.begin(), h.begin() + static_cast<ptrdiff_t>(m), h.end());
            h.resize(m);
            std::sort(h.begin(), h.end(),
                      [](const auto& a, const auto& b) { return a.second < b.second; });
            sample.resize(m);
            for (size_t k = 0; k < m; ++k) sample[k] = h[k].second;
        }
        spdlog::info("fitting the vocabulary on {} of {} documents", sample.size(), n);
        std::vector<SparseVector> sample_rows;
        model = std::make_unique<TfidfModel>(TfidfModel::fit(
            params.tfidf, sample.size(), [&](size_t k) { return text_of(sample[k]); },
            params.jobs, &sample_rows));
        fresh.resize(n);
        has_row.assign(n, 0);
        for (size_t k = 0; k < sample.size(); ++k) {
            fresh[sample[k]] = std::move(sample_rows[k]);
            has_row[sample[k]] = 1;
        }
        fit_docs = n;
    } else {
        model = std::make_unique<TfidfModel>(model_of(*prev, params.tfidf));
        fit_docs = prev->fit_docs;
    }
    report.vocabulary = model->size();

    // Which rows can be carried over from the previous generation.
    const bool recompute_all = refit || params.force;
    std::vector<int64_t> old_of(n, -1);  // previous index of a paper whose row is unchanged
    std::vector<char> dirty(n, 1);
    bool meta_changed = false;
    size_t removed = 0;
    if (prev) {
        size_t kept = 0;
        for (size_t i = 0; i < n; ++i) {
            auto o = prev->find(docs[i].id);
            if (!o) {
                meta_changed = true;
                continue;
            }
            if (prev->meta_fp[*o] != docs[i].meta_fp || prev->version[*o] != static_cast<uint32_t>(docs[i].version))
                meta_changed = true;
            if (!recompute_all && prev->doc_fp[*o] == docs[i].doc_fp) {
                old_of[i] = *o;
                dirty[i] = 0;
            }
            ++kept;
        }
        removed = prev->size() - kept;
    }
    const size_t n_dirty = static_cast<size_t>(std::count(dirty.begin(), dirty.end(), 1));
    const bool lists_param_changed = prev && prev->top_k != params.top_k;
    if (prev && !refit && n_dirty == 0 && removed == 0 && !meta_changed && !lists_param_changed) {
        report.generation = prev->generation();
        report.summary.skipped = n;
        report.summary.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        spdlog::info("nothing new since generation {}", prev->generation());
        return report;
    }

    // Rows: transform the dirty documents (the fit made its sample's already), copy the others;
    // in blocks, so only one block of transformed rows is held besides the matrix.
    Csr m;
    {
        fresh.resize(n);
        has_row.resize(n, 0);
        size_t n_todo = 0;
        for (size_t i = 0; i < n; ++i) n_todo += dirty[i] && !has_row[i];
        spdlog::info("transforming {} documents", n_todo);
        Progress progress("transform", n_todo);
        std::vector<TfidfModel::Scratch> scratch(worker_count(n_todo, params.jobs, 4));
        constexpr size_t kBlock = 2048;
        std::vector<size_t> todo;
        for (size_t lo = 0; lo < n; lo += kBlock) {
            const size_t hi = std::min(n, lo + kBlock);
            todo.clear();
            for (size_t i = lo; i < hi; ++i)
                if (dirty[i] && !has_row[i]) todo.push_back(i);
            parallel_for(
                todo.size(), params.jobs,
                [&](size_t k, size_t w) {
                    const size_t i = todo[k];
                    model->transform(document_text(docs[i]), scratch[w], fresh[i]);
                    progress.advance();
                },
                4);
            for (size_t i = lo; i < hi; ++i) {
                if (dirty[i]) {
                    m.col.insert(m.col.end(), fresh[i].index.begin(), fresh[i].index.end());
                    m.val.insert(m.val.end(), fresh[i].value.begin(), fresh[i].value.end());
                    fresh[i] = SparseVector{};
                } else {
                    const auto o = static_cast<size_t>(old_of[i]);
                    const uint64_t b = prev->matrix.row_ptr[o], e = prev->matrix.row_ptr[o + 1];
                    m.col.insert(m.col.end(), prev->matrix.col.begin() + static_cast<ptrdiff_t>(b),
                                 prev->matrix.col.begin() + static_cast<ptrdiff_t>(e));
                    m.val.insert(m.val.end(), prev->matrix.val.begin() + static_cast<ptrdiff_t>(b),
                                 prev->matrix.val.begin() + static_cast<ptrdiff_t>(e));
                }
                m.row_ptr.push_back(m.col.size());
            }
        }
        progress.finish();
    }
    fresh = {};

    // Neighbour lists.
    const size_t K = params.top_k;
    Lists lists;
    lists.of.resize(n);
    std::vector<char> recompute(n, 0);
    std::vector<int64_t> new_of_old;
    if (prev) {
        new_of_old.assign(prev->size(), -1);
        for (size_t i = 0; i < n; ++i)
            if (old_of[i] >= 0) new_of_old[static_cast<size_t>(old_of[i])] = static_cast<int64_t>(i);
    }
    // Many changed papers: recomputing every list (pruned) is cheaper than scanning for each.
    const bool many_dirty = n_dirty * 20 > n;
    for (size_t i = 0; i < n; ++i) {
        if (dirty[i] || lists_param_changed || many_dirty) {
            recompute[i] = 1;
            continue;
        }
        // Carry the list over unless it names a paper that changed or left.
        const auto o = static_cast<size_t>(old_of[i]);
        auto& l = lists.of[i];
        for (uint64_t p = prev->sim_ptr[o]; p < prev->sim_ptr[o + 1]; ++p) {
            const int64_t j = new_of_old[prev->sim_doc[p]];
            if (j < 0) {
                recompute[i] = 1;
                break;
            }
            l.push_back({static_cast<uint32_t>(j), prev->sim_score[p]});
        }
        if (recompute[i]) l.clear();
    }
    std::vector<size_t> queries;
    for (size_t i = 0; i < n; ++i)
        if (recompute[i]) queries.push_back(i);
    report.lists_recomputed = queries.size();
    spdlog::info("computing {} neighbour lists over {} papers", queries.size(), n);

    // A dirty paper that may enter carried-over lists is scored exactly against every paper
    // (a scan); everything else takes the pruned candidates (neighbours.hpp).
    // Up to neighbour_exact_max papers the candidate index holds every term of every paper and
    // every paper is a candidate: exact, as the full inverted index.
    const bool scan_dirty = queries.size() < n;
    const bool exact = n <= params.neighbour_exact_max;
    struct Insert {
        uint32_t into;
        Neighbour n;
    };
    std::vector<std::vector<Insert>> inserts;
    if (exact && !scan_dirty) {
        // Every list, exactly: each pair scored once and offered to both papers' lists.
        spdlog::info("neighbours: exact, each pair once");
        Progress progress("neighbours", n);
        lists.of = all_top_k(m.view(), model->size(), K, params.jobs, [&] { progress.advance(); });
        progress.finish();
    } else {
        const size_t cand_k = exact ? n : params.neighbour_candidates;
        const PrunedScorer scorer(m.view(), model->size(),
                                  exact ? model->size() : params.neighbour_terms);
        spdlog::info("neighbours: {}", exact ? std::string("exact") :
                     fmt::format("the {} largest terms of each paper, {} candidates",
                                 params.neighbour_terms, cand_k));
        const size_t workers = worker_count(queries.size(), params.jobs, 8);
        std::vector<std::vector<float>> acc(workers);
        std::vector<PrunedScorer::Scratch> scratch(workers);
        inserts.resize(workers);
        Progress progress("neighbours", queries.size());
        parallel_for(
            queries.size(), params.jobs,
            [&](size_t k, size_t w) {
                const size_t q = queries[k];
                if (!(dirty[q] && scan_dirty)) {
                    lists.of[q] = scorer.top_k(q, K, cand_k, scratch[w]);
                    progress.advance();
                    return;
                }
                scorer.all_scores(q, acc[w], scratch[w]);
                lists.of[q] = top_k(acc[w], K, static_cast<uint32_t>(q));
                {
                    // A changed paper enters the carried-over lists where it ranks.
                    for (size_t j = 0; j < n; ++j) {
                        const float s = acc[w][j];
                        if (s <= 0.0f || recompute[j] || j == q) continue;
                        const auto& l = lists.of[j];
                        const Neighbour cand{static_cast<uint32_t>(q), s};
                        if (l.size() < K || ranks_before(cand, l.back()))
                            inserts[w].push_back({static_cast<uint32_t>(j), cand});
                    }
                }
                progress.advance();
            },
            8);
        progress.finish();
    }
    {
        std::vector<Insert> all;
        for (auto& v : inserts) all.insert(all.end(), v.begin(), v.end());
        std::sort(all.begin(), all.end(), [](const Insert& a, const Insert& b) { return a.into < b.into; });
        for (size_t a = 0; a < all.size();) {
            size_t b = a;
            auto& l = lists.of[all[a].into];
            while (b < all.size() && all[b].into == all[a].into) l.push_back(all[b++].n);
            std::sort(l.begin(), l.end(), ranks_before);
            if (l.size() > K) l.resize(K);
            ++report.lists_updated;
            a = b;
        }
    }

    const SearchIndex search = build_search(docs, *model);

    const uint64_t gen = next_generation(index_dir);
    std::vector<uint64_t> row_gen(n, gen);
    for (size_t i = 0; i < n; ++i)
        if (!dirty[i]) row_gen[i] = prev->row_generation(static_cast<size_t>(old_of[i]));
    const fs::path gen_dir = index_dir / generation_dir_name(gen);
    write_generation(gen_dir, docs, row_gen, *model, fit_docs, m, lists, K, search);
    prev.reset();
    write_file_atomic(index_dir / kCurrentFile, generation_dir_name(gen) + "\n");
    prune_generations(index_dir, gen, params.keep_generations);

    report.generation = gen;
    report.published = true;
    report.summary.done = n_dirty;
    report.summary.skipped = n - n_dirty;
    report.summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace asp::ml
