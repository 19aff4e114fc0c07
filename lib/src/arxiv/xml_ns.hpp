// Namespace-aware lookups over tinyxml2 (which knows nothing of namespaces), shared by the
// two arXiv response parsers (Atom for the export API, OAI-PMH for bulk harvesting). An
// element's prefix is resolved by walking up to the nearest xmlns[:prefix] declaration, as a
// namespace-aware reader would, so responses that declare prefixes on the root and on each
// element parse the same.
#pragma once

#include <string>
#include <string_view>

#include <tinyxml2.h>

namespace asp::xml {

using tinyxml2::XMLElement;

std::string_view namespace_uri(const XMLElement* el);
std::string_view local_name(const XMLElement* el);
bool is(const XMLElement* el, std::string_view ns, std::string_view local);

// The first child element with that namespace and local name, or nullptr.
const XMLElement* child(const XMLElement* parent, std::string_view ns, std::string_view local);

template <class Fn>
void for_children(const XMLElement* parent, std::string_view ns, std::string_view local, Fn fn) {
    for (auto* c = parent->FirstChildElement(); c; c = c->NextSiblingElement())
        if (is(c, ns, local)) fn(c);
}

// All text below an element (text and CDATA nodes, depth first); "" for nullptr.
std::string text_of(const XMLElement* el);

// The whitespace-normalised text of the first such child ("" when there is none).
std::string child_text(const XMLElement* parent, std::string_view ns, std::string_view local);

// An attribute's value, "" when absent.
std::string attr(const XMLElement* el, const char* name);

}  // namespace asp::xml
