"""Bounded YAML: every limit of auditor.yamlio and the front-matter loader holds, and says which one was hit."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor import parse_card
from auditor.policy import ManifestError, PolicyError, load_manifest, load_policy
from auditor.sources.frontmatter import MAX_FRONT_MATTER_BYTES
from auditor.yamlio import (
    MAX_CONFIG_BYTES,
    MAX_DEPTH,
    MAX_SCALAR_CHARS,
    Limits,
    YamlFileError,
    YamlProblem,
    load_with_lines,
    parse_yaml,
)
from tests.conftest import REPO_ROOT


def problems(card):  # type: ignore[no-untyped-def]
    return [(p.kind, p.line, p.message) for p in card.problems]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_depth_limit_in_flow_and_block_style() -> None:
    assert parse_yaml(f"x: {nested(MAX_DEPTH - 1)}", Limits()).value["x"] is not None  # 64 levels with the root
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(f"x: {nested(MAX_DEPTH)}", Limits())
    assert (caught.value.kind, caught.value.line) == ("limit", 0)
    assert caught.value.message == f"nests deeper than {MAX_DEPTH} levels"
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(100))
    with pytest.raises(YamlProblem, match="nests deeper"):
        parse_yaml(block, Limits())
    card = parse_card(f"---\nlicense: mit\ndeep: {nested(30_000)}\n---\n# Body\n")
    assert problems(card) == [("too-large", 3, f"metadata nests deeper than {MAX_DEPTH} levels; ignored")]
    assert card.metadata == {} and card.sections[0].title == "Body"


def test_alias_expansion_is_counted_without_copying() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 10):
        laughs += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(laughs, Limits())
    assert caught.value.kind == "limit" and "too many values" in caught.value.message
    # the root, 3 keys, the list [1, 2] (3 nodes), c's list and 3 aliases of 3 nodes each: 17
    small = parse_yaml("a: &a [1, 2]\nb: *a\nc: [*a, *a]\n", Limits(max_nodes=17))
    assert small.value == {"a": [1, 2], "b": [1, 2], "c": [[1, 2], [1, 2]]}
    with pytest.raises(YamlProblem, match="too many values"):
        parse_yaml("a: &a [1, 2]\nb: *a\nc: [*a, *a]\n", Limits(max_nodes=16))


def test_expanded_text_and_scalar_length_are_bounded() -> None:
    text = "x" * 100_000
    aliased = f"a: &a {text}\nb: [" + ", ".join(["*a"] * 100) + "]\n"
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(aliased, Limits())
    assert caught.value.kind == "limit" and caught.value.line == 1
    assert len(parse_yaml(f"a: {'y' * MAX_SCALAR_CHARS}", Limits()).value["a"]) == MAX_SCALAR_CHARS
    with pytest.raises(YamlProblem, match="longer than 262,144 characters"):
        parse_yaml(f"a: {'y' * (MAX_SCALAR_CHARS + 1)}", Limits())


def test_recursive_aliases_are_refused() -> None:
    for text in ("x: &x [*x]\n", "x: &x {a: *x}\n", "x: &x\n  - a\n  - *x\n"):
        with pytest.raises(YamlProblem) as caught:
            parse_yaml(text, Limits())
        assert caught.value.kind == "limit" and "recursive alias '*x'" in caught.value.message
    card = parse_card("---\nlicense: mit\nx: &x [*x]\n---\n")
    assert problems(card) == [("too-large", 3, "metadata has a recursive alias '*x' (it refers to itself); ignored")]


def test_front_matter_over_the_byte_limit_is_not_parsed_but_the_body_is() -> None:
    filler = "k: " + "v" * 70 + "\n"
    block = "license: mit\n" + filler * (MAX_FRONT_MATTER_BYTES // len(filler) + 1)
    card = parse_card(f"---\n{block}---\n# Usage\nSee https://github.com/org/repo\n")
    assert [(p.kind, p.line) for p in card.problems] == [("too-large", 2)]
    assert "more than 1,024 KiB; ignored" in card.problems[0].message
    assert (
        card.metadata == {} and card.sections[0].title == "Usage" and card.links[0].url == "https://github.com/org/repo"
    )
    multibyte = "license: mit\nnote: " + "é" * (MAX_FRONT_MATTER_BYTES // 2) + "\n"  # under the limit in characters
    assert [p.kind for p in parse_card(f"---\n{multibyte}---\n").problems] == ["too-large"]


def test_huge_integers_stay_text_so_json_never_fails() -> None:
    card = parse_card(f"---\nlicense: mit\nhex: 0x{'f' * 5000}\ndec: {'9' * 5000}\nneg: -{'1' * 30}\n---\n")
    assert card.problems == () and card.metadata["hex"] == "0x" + "f" * 5000 and card.metadata["dec"] == "9" * 5000
    assert card.metadata["neg"] == "-" + "1" * 30
    assert json.loads(json.dumps(card.metadata)) == card.metadata


def test_lines_of_key_paths_and_no_descent_into_aliases() -> None:
    parsed = parse_yaml("a:\n  - x\n  - {b: 1,\n     c: 2}\nd: &d {e: 1}\nf: *d\n", Limits())
    assert parsed.lines == {
        (): 0,
        ("a",): 0,
        ("a", 0): 1,
        ("a", 1): 2,
        ("a", 1, "b"): 2,
        ("a", 1, "c"): 3,
        ("d",): 4,
        ("d", "e"): 4,
        ("f",): 5,
    }
    assert parse_yaml("a: {b: {c: 1}}\n", Limits(), line_depth=1).lines == {(): 0, ("a",): 0}


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_config_files_with_a_byte_order_mark(tmp_path: Path, codec: str) -> None:
    text = "licenses:\n  deny: [category:non-commercial]\nfail_on: warning\n"
    bom = {"utf-8-sig": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    bom |= {"utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}
    path = write(tmp_path / "policy.yaml", bom[codec] + text.encode(codec))
    data, lines = load_with_lines(path)
    assert data == {"licenses": {"deny": ["category:non-commercial"]}, "fail_on": "warning"}
    assert lines[("fail_on",)] == 3 and lines[("licenses", "deny", 0)] == 2
    assert load_policy(path).deny == ("category:non-commercial",)


def test_config_errors_are_one_line_with_file_line_and_key(tmp_path: Path) -> None:
    cases = [
        (b"fail_on: error\nrules: {x: \xff}\n", "policy.yaml:2: not valid UTF-8 text (byte 0xff); save it as UTF-8"),
        (codecs.BOM_UTF16_LE + "a: 1\n".encode("utf-16-le") + b"\x00\xd8", "policy.yaml:2: not valid UTF-16 text"),
        (
            "fail_on: error\n".encode("utf-16-le"),
            "policy.yaml:1: not valid YAML: unacceptable character #x0000: control characters are not allowed",
        ),
        (b"require:\n  osaid: true\n  osaid: false\n", "policy.yaml:3: require.osaid: key appears more than once"),
        (b"waivers:\n  - &w [*w]\n", "policy.yaml:2: waivers[0]: refused: the YAML has a recursive alias '*w'"),
        (
            b"rules:\n  x: " + nested(100).encode() + b"\n",
            "policy.yaml:2: rules.x[0][0][0][0]…: refused: the YAML nests deeper",
        ),
        (b"a: *missing\n", "policy.yaml:1: not valid YAML: found undefined alias 'missing'"),
        (b"a: !!python/object:os.system x\n", "policy.yaml:1: cannot be read: unsupported tag"),
    ]
    for data, message in cases:
        path = write(tmp_path / "policy.yaml", data)
        with pytest.raises(YamlFileError) as caught:
            load_with_lines(path)
        assert str(caught.value).startswith(f"{path}:") and "\n" not in str(caught.value)
        assert message.removeprefix("policy.yaml") in str(caught.value), data[:40]
        with pytest.raises(PolicyError, match=r"policy\.yaml:"):
            load_policy(path)
    path = write(tmp_path / "models.yaml", b"models:\n  - org/a\n  - org/a\nmodels: []\n")
    with pytest.raises(ManifestError, match=r"models.yaml:4: models: key appears more than once"):
        load_manifest(path)


def test_config_file_size_is_checked_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path / "models.yaml", b"# " + b"x" * MAX_CONFIG_BYTES + b"\n")
    with pytest.raises(ManifestError, match=r"models.yaml: not read: larger than 4,194,304 bytes"):
        load_manifest(path)
    with pytest.raises(YamlFileError, match=r"not read: not a regular file \(directory\)"):
        load_with_lines(tmp_path)


def test_importing_the_card_parser_does_not_import_huggingface_hub() -> None:
    code = textwrap.dedent(
        """
        import sys
        import auditor.sources.card as card
        before = "huggingface_hub" in sys.modules
        parsed = card.parse_card("---\\nlicense: mit\\n---\\n")
        print(before, "huggingface_hub.repocard" in sys.modules, parsed.metadata)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True, timeout=60
    )
    assert result.stdout.split("\n")[0] == "False False {'license': 'mit'}"
