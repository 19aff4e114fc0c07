// thumb: a thumbnail strip of the first pages of every downloaded paper (docs/tools/thumb.md).
#include "common/app.hpp"
#include "common/document_options.hpp"

int main(int argc, char** argv) {
    asp::tools::ToolApp app("thumb",
                            "Render the first 8 pages of each paper's PDF into one JPEG strip "
                            "156 px high in thumbs/ (Poppler + GraphicsMagick, isolated workers)");
    asp::tools::DocumentCli doc;
    doc.add_to(app);
    if (auto rc = app.parse(argc, argv)) return *rc;
    if (!doc.finish(app)) return 2;
    return app.run([&] { return doc.run(app, asp::DocumentKind::Thumb); });
}
