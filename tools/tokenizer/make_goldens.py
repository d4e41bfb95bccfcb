#!/usr/bin/env python3
"""Writes the CLIP tokenizer golden ids the C++ tests compare against.

The reference is OpenAI's own clip/simple_tokenizer.py (with ftfy and the `regex` module), e.g. from
the clip-anytorch wheel on PyPI:
    pip download --no-deps clip-anytorch ftfy regex wcwidth && pip install ftfy regex wcwidth
    unzip clip_anytorch-*.whl 'clip/*'
    python3 tools/tokenizer/make_goldens.py clip/simple_tokenizer.py > tests/fixtures/clip_tokenizer_goldens.jsonl
One JSON object per line: {"text": ..., "ids": [...]} with ids as SimpleTokenizer.encode gives them
(no start/end tokens). Optional tooling: nothing in the build or tests runs this script.
"""
import importlib.util
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_reference(path):
    spec = importlib.util.spec_from_file_location("simple_tokenizer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SimpleTokenizer()


def texts():
    manifests = ROOT / "datasets" / "manifests" / "imagenet"
    classes = (manifests / "imagenet_classes.txt").read_text(encoding="utf-8").splitlines()
    templates = (manifests / "imagenet_templates.txt").read_text(encoding="utf-8").splitlines()
    out = ["a diagram", "a photo of a"]
    out += ["a photo of a {}.".format(c) for c in classes]
    out += templates
    out += ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    out += [
        # accents, composed and decomposed (ftfy normalises to NFC)
        "Café", "Cafe\u0301", "naïve résumé", "Ångström", "Crème brûlée", "Zürich", "São Paulo", "Łódź",
        "Dvořák", "façade", "Tiếng Việt", "İstanbul ıi", "Straße STRASSE", "e\u0308\u0323 alone",
        # other scripts
        "Σίσυφος", "ΟΔΥΣΣΕΥΣ ΣΟΦΟΣ", "Москва", "Привет, мир!", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया",
        "สวัสดีชาวโลก", "東京タワー", "北京欢迎你", "한국어 텍스트", "abcабвαβγ",
        # width, ligatures, quotes (ftfy fixes these)
        "ＡＢＣ１２３　ｆｕｌｌ", "ｶﾀｶﾅ ﾊﾝｶｸ", "ﬁne ﬂour ﬀ ﬃ", "“quoted” and ‘single’", "it’s a dog’s life",
        # emoji and symbols
        "😀", "a photo of a 🐱", "👍🏽 thumbs", "👨‍👩‍👧 family", "🇫🇷 flag", "❤️ love", "∑ ∫ √2 ≈ 1.414", "x² + y³",
        "½ cup, ¼ tsp", "Ⅻ Ⅷ ①②", "€100 £5 ¥20 ₹", "©®™", "١٢٣ ४५६ ๑๒", "→ ← ↑ ↓", "♠♣♥♦", "°C ±5%",
        # contractions and punctuation
        "I'm you're we've they'll he'd she's don't CAN'T", "''s ''t 's's", "rock 'n' roll", "!!!???...",
        "---", "@user #hashtag", "https://example.com/a?b=c&d=e", "name@example.org", "C++ & C#",
        "snake_case_name", "CamelCaseWord", "ALLCAPS TEXT", "3.14159", "1,000,000", "1234567890",
        "a.b,c;d:e", "(parentheses) [brackets] {braces}", "\"double\" 'single'", "tab\tseparated",
        # whitespace
        "  multiple   spaces  ", "line\nbreaks\r\nand\rreturns", "\u00a0nbsp\u2003em\u3000ideographic",
        "zero\u200bwidth", "zwj\u200dhere", "\ufeffbom first", "   ", "",
        # HTML entities (unescaped twice)
        "&amp; &lt;tag&gt; &quot;q&quot; &#39;", "&#x263a; &#9731; &eacute;t&eacute;", "&amp;amp; double",
        "&notit; &AMP &copy2023", "<b>bold</b> &amp; tags", "&#0; &#x110000; &#128; &#xD800;", "&nosuch;",
        # control characters and terminal escapes
        "a\x00b\x07c", "\x1b[31mred\x1b[0m text", "c1 \x80\x93 controls",
        # special tokens written in the text
        "<|startoftext|>hello<|endoftext|>", "a<|endoftext|>b",
        # long text (truncation is tested in C++ from these ids)
        " ".join(["photograph"] * 90),
        "The quick brown fox jumps over the lazy dog near the riverbank at dawn while birds sing.",
    ]
    return out


def main():
    tokenizer = load_reference(sys.argv[1])
    for text in texts():
        print(json.dumps({"text": text, "ids": tokenizer.encode(text)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
