// English stop words as scikit-learn defines them (ENGLISH_STOP_WORDS).
#pragma once

#include <cstddef>
#include <string_view>

namespace asp::ml {

bool is_english_stop_word(std::string_view word);
size_t english_stop_word_count();

}  // namespace asp::ml
