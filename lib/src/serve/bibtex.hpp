// BibTeX of papers (GET /bibtex/<id>, GET /api/library.bib): one @misc entry per paper with
// title, author (" and "-joined), year, eprint, archivePrefix = {arXiv}, primaryClass, doi (when
// known) and url. Values are written so that BibTeX and standard parsers (python3-bibtexparser)
// read every entry back: braces stay balanced (a lone brace becomes \textbraceleft{} /
// \textbraceright{}), & % # are escaped everywhere and _ ^ outside $...$ math (unless already
// escaped), whitespace runs become one space, and a name holding the word "and" is braced.
#pragma once

#include <string>
#include <string_view>

#include <asp/serve/catalog.hpp>

namespace asp::serve {

// A field value's text, escaped as above (without the surrounding braces).
std::string bibtex_escape(std::string_view text);

// The citation key's stem: first author's last name, year, first title word of 4+ letters,
// ASCII letters and digits only, lowercased ("hinton2006reducing"); "arxiv<year>" when empty.
std::string bibtex_key(const CatalogPaper& paper);

// One entry, ending in a blank line.
std::string bibtex_entry(const CatalogPaper& paper, std::string_view doi, std::string_view key);

}  // namespace asp::serve
