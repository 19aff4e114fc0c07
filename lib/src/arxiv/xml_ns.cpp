#include "arxiv/xml_ns.hpp"

#include <asp/arxiv/atom.hpp>
#include <asp/core/strings.hpp>

namespace asp::xml {
namespace {

void append_text(const tinyxml2::XMLNode* node, std::string& out) {
    for (auto* n = node->FirstChild(); n; n = n->NextSibling()) {
        if (auto* t = n->ToText())
            out += t->Value();
        else if (n->ToElement())
            append_text(n, out);
    }
}

}  // namespace

std::string_view namespace_uri(const XMLElement* el) {
    std::string_view name = el->Name();
    auto colon = name.find(':');
    std::string attr_name = colon == std::string_view::npos
                                ? std::string("xmlns")
                                : "xmlns:" + std::string(name.substr(0, colon));
    for (const tinyxml2::XMLNode* n = el; n; n = n->Parent()) {
        const XMLElement* e = n->ToElement();
        if (!e) break;
        if (const char* uri = e->Attribute(attr_name.c_str())) return uri;
    }
    return {};
}

std::string_view local_name(const XMLElement* el) {
    std::string_view name = el->Name();
    auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool is(const XMLElement* el, std::string_view ns, std::string_view local) {
    return local_name(el) == local && namespace_uri(el) == ns;
}

const XMLElement* child(const XMLElement* parent, std::string_view ns, std::string_view local) {
    for (auto* c = parent->FirstChildElement(); c; c = c->NextSiblingElement())
        if (is(c, ns, local)) return c;
    return nullptr;
}

std::string text_of(const XMLElement* el) {
    std::string out;
    if (el) append_text(el, out);
    return out;
}

std::string child_text(const XMLElement* parent, std::string_view ns, std::string_view local) {
    return fold_whitespace(text_of(child(parent, ns, local)));
}

std::string attr(const XMLElement* el, const char* name) {
    const char* v = el->Attribute(name);
    return v ? v : "";
}

}  // namespace asp::xml
