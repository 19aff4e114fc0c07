// pdf2txt: the text of every downloaded paper (see docs/tools/pdf2txt.md).
#include "common/app.hpp"
#include "common/document_options.hpp"

int main(int argc, char** argv) {
    asp::tools::ToolApp app("pdf2txt",
                            "Extract the text of each paper's PDF into txt/ (Poppler, in "
                            "isolated worker processes)");
    asp::tools::DocumentCli doc;
    doc.add_to(app);
    bool compress = false;
    app.cli().add_flag("--compress-text", compress,
                       "Store texts gzipped (txt/<id>v<N>.txt.gz, ~3x smaller; for small disks)");
    if (auto rc = app.parse(argc, argv)) return *rc;
    if (compress) doc.params.text_form = asp::TextForm::Gzip;
    if (!doc.finish(app)) return 2;
    return app.run([&] { return doc.run(app, asp::DocumentKind::Text); });
}
