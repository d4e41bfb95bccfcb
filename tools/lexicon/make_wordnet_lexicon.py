#!/usr/bin/env python3
"""Builds the synonym lexicon of the word_substitution attack from Debian's WordNet 3.0 data.

    apt-get install wordnet-base
    tools/lexicon/make_wordnet_lexicon.py /usr/share/wordnet \
        plugins/attacks/text/word_substitution/lexicon/wordnet_synonyms.tsv.gz

One line per single-word lemma: the word, a tab, its synonyms separated by spaces. Synonyms are the
other single-word lemmas of the word's synsets, taken sense by sense in WordNet's frequency order
(index.* lists a word's synsets most frequent first), so the first substitutes are the likeliest
meanings. Multi-word lemmas are left out, so a substitution always changes exactly one word.
Standard library only; the output is byte-for-byte reproducible (fixed gzip mtime).
"""
import gzip
import os
import re
import sys

POS = ("noun", "verb", "adj", "adv")
WORD = re.compile(r"^[a-z][a-z'-]*$")
MAX_SYNONYMS = 40


def lemma(text):
    # Adjective lemmas may carry a syntactic marker such as "(a)"; WordNet spells spaces as "_".
    return re.sub(r"\(\w+\)$", "", text).lower()


def synsets(root, pos):
    """offset -> lemmas of that synset, from data.POS."""
    out = {}
    with open(os.path.join(root, "data." + pos), encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue  # licence header
            fields = line.split(" ")
            count = int(fields[3], 16)
            out[fields[0]] = [lemma(fields[4 + 2 * i]) for i in range(count)]
    return out


def main(root, output):
    synonyms = {}
    for pos in POS:
        table = synsets(root, pos)
        with open(os.path.join(root, "index." + pos), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                fields = line.split()
                word = fields[0].lower()
                if not WORD.match(word):
                    continue
                synset_count = int(fields[2])
                pointer_count = int(fields[3])
                offsets = fields[6 + pointer_count: 6 + pointer_count + synset_count]
                found = synonyms.setdefault(word, [])
                for offset in offsets:
                    for other in table[offset]:
                        if other != word and WORD.match(other) and other not in found:
                            found.append(other)
    lines = [f"{w}\t{' '.join(s[:MAX_SYNONYMS])}\n" for w, s in sorted(synonyms.items()) if s]
    with open(output, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as z:
        z.write(b"# WordNet 3.0 synonyms (single words), made by tools/lexicon/make_wordnet_lexicon.py\n")
        z.write("".join(lines).encode("utf-8"))
    print(f"{output}: {len(lines)} words", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
