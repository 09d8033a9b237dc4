"""corpus.py: the filters and the train/validation split, with no torch and no file system walk."""
from __future__ import annotations

from corpus import SourceFile, looks_generated, split_files


def test_generated_looking_text_is_rejected():
    normal = "def f(x):\n    return x + 1\n" * 20
    assert not looks_generated(normal)
    assert looks_generated("var a=1;" * 200)  # one 1600-character line: minified
    assert looks_generated(("x" * 99 + "\n") * 10)  # 91 characters a line on average: a data table
    assert looks_generated(normal + "//# sourceMappingURL=data:application/json;base64,AAAA\n")


def _files(paths):
    return [SourceFile(path=p, package="pkg", licence="MIT", lang="python", text="") for p in paths]


def test_split_is_decided_per_file_and_stable():
    paths = [f"pkg/mod_{i}.py" for i in range(2000)]
    train, valid = split_files(_files(paths), seed=0)
    assert len(train) + len(valid) == len(paths)
    assert 10 <= len(valid) <= 90  # about 2 %
    # adding files does not move the ones already there
    train2, valid2 = split_files(_files(paths + [f"other/new_{i}.py" for i in range(500)]), seed=0)
    assert {f.path for f in valid} == {f.path for f in valid2 if f.path.startswith("pkg/")}
    # a different seed draws a different validation set
    _, valid3 = split_files(_files(paths), seed=1)
    assert {f.path for f in valid} != {f.path for f in valid3}
