// A tiny, valid PDF built in memory: one page per given text, US Letter, Helvetica (not
// embedded). Used to warm Poppler up before forking workers, and by tests that need a PDF
// whose text is known.
#pragma once

#include <string>
#include <vector>

namespace asp {

// Texts are written as PDF string literals; keep to printable ASCII.
std::string make_minimal_pdf(const std::vector<std::string>& page_texts,
                             double page_width_pt = 612, double page_height_pt = 792);

// A PDF file from its objects' bodies: objects[i] becomes object i + 1 (object 1 must be the
// catalog); adds the header, the cross-reference table and the trailer. For hand-made PDFs
// (tests with annotations, rotations, ...).
std::string assemble_pdf(const std::vector<std::string>& objects);

}  // namespace asp
