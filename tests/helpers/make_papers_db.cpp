// Test helper: writes papers.db through the library's PapersDb (so its schema is the real one).
//   make_papers_db DB < papers.jsonl      one JSON object per line: id, version, title,
//                                          abstract, authors [], categories [], published,
//                                          updated (as in papers.db)
//   make_papers_db DB --synthesize N      N made-up papers (benchmarks)
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include <asp/core/time.hpp>
#include <asp/store/papers_db.hpp>

namespace {

asp::Paper from_json(const nlohmann::json& j) {
    asp::Paper p;
    p.id = j.at("id").get<std::string>();
    p.version = j.value("version", 1);
    p.title = j.value("title", "");
    p.abstract = j.value("abstract", "");
    p.authors = j.value("authors", std::vector<std::string>{});
    p.categories = j.value("categories", std::vector<std::string>{"cs.DC"});
    p.primary_category = p.categories.empty() ? "" : p.categories.front();
    p.published = j.value("published", "2020-01-01T00:00:00Z");
    p.updated = j.value("updated", p.published);
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: make_papers_db DB [--synthesize N] < papers.jsonl\n");
        return 2;
    }
    asp::PapersDb db(argv[1], asp::OpenMode::ReadWrite);
    std::vector<asp::Paper> batch;
    if (argc == 4 && std::string(argv[2]) == "--synthesize") {
        long n = std::stol(argv[3]);
        const char* words[] = {"distributed", "consensus", "scheduling", "cloud", "storage",
                               "replication", "latency", "graph", "learning", "cache",
                               "network", "fault", "tolerance", "parallel", "memory", "gpu"};
        for (long i = 0; i < n; ++i) {
            asp::Paper p;
            char id[32];
            std::snprintf(id, sizeof id, "%02ld%02ld.%05ld", 10 + (i / 99999) % 15,
                          1 + (i / 8000) % 12, i % 99999);
            p.id = id;
            p.version = 1 + static_cast<int>(i % 3);
            p.title = std::string("On ") + words[i % 16] + " " + words[(i / 16) % 16] + " " +
                      words[(i / 256) % 16] + " systems, part " + std::to_string(i);
            for (int k = 0; k < 120; ++k) {
                p.abstract += words[(i * 7 + k * 13) % 16];
                p.abstract += ' ';
            }
            p.authors = {"Ada Lovelace", "Alan Turing", "Grace Hopper"};
            p.categories = {"cs.DC", "cs.LG"};
            p.primary_category = "cs.DC";
            p.published = asp::format_iso8601(1500000000 + i * 600);
            p.updated = asp::format_iso8601(1500000000 + i * 600 + (i % 3) * 86400);
            batch.push_back(std::move(p));
            if (batch.size() == 5000) {
                db.upsert_all(batch);
                batch.clear();
            }
        }
    } else {
        std::string line;
        while (std::getline(std::cin, line)) {
            if (line.empty()) continue;
            batch.push_back(from_json(nlohmann::json::parse(line)));
        }
    }
    db.upsert_all(batch);
    return 0;
}
