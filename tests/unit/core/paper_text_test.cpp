#include <asp/core/atomic_file.hpp>
#include <asp/core/gzip.hpp>
#include <asp/core/paper_text.hpp>

#include <stdexcept>

#include "unit/catch_compat.hpp"

#include "unit/test_support.hpp"

namespace fs = std::filesystem;
using asp::TextForm;

TEST_CASE("gunzip reads what gzip_compress wrote, and refuses what is not gzip", "[core]") {
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "distributed consensus " + std::to_string(i) + "\n";
    auto gz = asp::gzip_compress(text, 9);
    CHECK(gz.size() * 3 < text.size());
    CHECK(asp::gunzip(gz) == text);
    CHECK(asp::gunzip(asp::gzip_compress("")) == std::string());
    CHECK(asp::gunzip(asp::gzip_compress("ab") + asp::gzip_compress("cd")) == std::string("abcd"));
    CHECK_FALSE(asp::gunzip(text));                          // plain text
    CHECK_FALSE(asp::gunzip(gz.substr(0, gz.size() / 2)));   // cut short
    std::string corrupt = gz;
    corrupt[corrupt.size() / 2] ^= 0x55;
    CHECK_FALSE(asp::gunzip(corrupt));
}

TEST_CASE("a paper's text is found and read in either form", "[core]") {
    asp::test::TempDir tmp;
    asp::DataDir dir(tmp.path());
    dir.create_layout();
    const std::string text = "Attention is all you need.\f\n";
    CHECK_FALSE(asp::find_text(dir, "cs/0112017", 1));

    auto plain = asp::text_path(dir, "cs/0112017", 1, TextForm::Plain);
    CHECK(plain == dir.txt_dir() / "cs_0112017v1.txt");
    asp::write_file_atomic(plain, asp::encode_text(text, TextForm::Plain));
    CHECK(asp::find_text(dir, "cs/0112017", 1) == plain);
    CHECK(asp::read_text(plain) == text);

    auto gz = asp::text_path(dir, "2101.00001", 2, TextForm::Gzip);
    CHECK(gz == dir.txt_dir() / "2101.00001v2.txt.gz");
    asp::write_file_atomic(gz, asp::encode_text(text, TextForm::Gzip));
    CHECK(asp::read_file(gz) != text);
    CHECK(asp::find_text(dir, "2101.00001", 2) == gz);
    CHECK(asp::read_text(gz) == text);
    CHECK(asp::text_form_of(gz) == TextForm::Gzip);
    CHECK(asp::text_form_of(plain) == TextForm::Plain);

    CHECK(asp::text_stem("2101.00001v2.txt.gz") == std::string("2101.00001v2"));
    CHECK(asp::text_stem("cs_0112017v1.txt") == std::string("cs_0112017v1"));
    CHECK_FALSE(asp::text_stem("2101.00001v2.jpg"));
    CHECK_FALSE(asp::text_stem(".tmp-1234.txt"));

    CHECK(asp::remove_text(dir, "2101.00001", 2) == 1);
    CHECK_FALSE(asp::find_text(dir, "2101.00001", 2));
}

TEST_CASE("regression: a .txt.gz that is not gzip is an error, not garbage text", "[core]") {
    asp::test::TempDir tmp;
    asp::DataDir dir(tmp.path());
    dir.create_layout();
    auto gz = asp::text_path(dir, "2101.00001", 1, TextForm::Gzip);
    asp::write_file_atomic(gz, "plain text under a .gz name");
    CHECK_THROWS_AS(asp::read_text(gz), std::runtime_error);
}
