// The words of the search index, as the original arxiv-sanity cut them: lowercase, drop the
// punctuation !"#$%&'()*+,./:;<=>?@[\]^_`{|}~ (keeping '-'), split on whitespace.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace asp::ml {

std::vector<std::string> search_words(std::string_view text);

// Weight of a paper's own arXiv id as a search term.
inline constexpr float kIdWeight = 100.0f;
inline constexpr float kFieldWeight = 5.0f;     // title, author and category words
inline constexpr double kRecencyBoost = 0.0001;

}  // namespace asp::ml
