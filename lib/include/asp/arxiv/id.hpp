// arXiv identifiers. New style: `YYMM.NNNN` (2007-2014) or `YYMM.NNNNN` (2015-), old style:
// `archive[.SUBJ]/YYMMNNN` (`cs/0112017`, `math.GT/0309136`); either may carry `vN`. The
// raw id (without version) is the paper's key everywhere; file names map `/` to `_`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <asp/core/data_dir.hpp>  // file_stem(raw_id, version)

namespace asp {

struct ArxivId {
    std::string raw;   // without version: "2101.00001", "cs/0112017"
    int version = 0;   // 0 when the text had no version

    // "2101.00001v2" (or the raw id when version is 0)
    std::string versioned() const;
    // File-name stem of a version (asp::file_stem): "2101.00001v2", "cs_0112017v1"
    std::string file_stem() const;
};

// Parses a bare id, a versioned id, or an arXiv URL (`http://arxiv.org/abs/2101.00001v2`,
// `/pdf/...`). Returns nullopt for anything else (e.g. "abc", "0000.0000" is accepted only
// if syntactically valid: month 01-12).
std::optional<ArxivId> parse_arxiv_id(std::string_view text);

// True when `raw` (no version) is syntactically a valid arXiv id.
bool is_valid_raw_id(std::string_view raw);

}  // namespace asp
