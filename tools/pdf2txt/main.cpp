// pdf2txt: the text of every downloaded paper (see docs/tools/pdf2txt.md).
#include "common/app.hpp"
#include "common/document_options.hpp"

int main(int argc, char** argv) {
    asp::tools::ToolApp app("pdf2txt",
                            "Extract the text of each paper's PDF into txt/ (Poppler, in "
                            "isolated worker processes)");
    asp::tools::DocumentCli doc;
    doc.add_to(app);
    if (auto rc = app.parse(argc, argv)) return *rc;
    if (!doc.finish(app)) return 2;
    return app.run([&] { return doc.run(app, asp::DocumentKind::Text); });
}
