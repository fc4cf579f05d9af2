"""Child process of a smoke run: load a model folder with transformers and run it once. Prints one JSON line.

Run as ``python -m auditor.smoke.worker FOLDER OPTIONS_JSON``. Never enables remote code; loads safetensors
unless pickle loading was explicitly allowed (then torch loads with ``weights_only``). With ``gguf_file`` in the
options, that one GGUF file is loaded through transformers' GGUF support (config, tokenizer and weights all from
the file, dequantized by the gguf package) from an empty folder, so nothing beside it is read.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import sys
import tempfile
import time
from typing import Any

PROMPT = "The quick brown fox"


class Unsupported(Exception):
    """The loader cannot load this format (a GGUF architecture or tensor type transformers does not handle)."""


def pick_task(architectures: list[str], pipeline_tag: str | None, default: str = "encoder") -> str:
    tag = pipeline_tag or ""
    if tag in ("text-generation", "conversational"):
        return "causal-lm"
    if tag in ("text2text-generation", "translation", "summarization"):
        return "seq2seq"
    if tag in ("text-classification", "token-classification", "zero-shot-classification"):
        return "classification"
    if tag == "fill-mask":
        return "masked-lm"
    if tag in ("feature-extraction", "sentence-similarity"):
        return "encoder"
    for name in architectures:
        if name.endswith("ForCausalLM") or name.endswith("LMHeadModel"):
            return "causal-lm"
        if name.endswith("ForConditionalGeneration"):
            return "seq2seq"
        if name.endswith("ForSequenceClassification"):
            return "classification"
        if name.endswith("ForMaskedLM"):
            return "masked-lm"
    return default


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(folder: str, options: dict[str, Any]) -> dict[str, Any]:
    """Load and run the model of ``folder``, or the one GGUF file of the options from an empty folder."""
    if not options.get("gguf_file"):
        return _load_and_run(folder, options)
    if importlib.util.find_spec("accelerate") is None:
        raise ImportError("transformers needs accelerate to load a GGUF file")
    with tempfile.TemporaryDirectory(prefix="auditor-gguf-") as empty:  # config and tokenizer come from the file
        return _load_and_run(empty, options)


def _load_and_run(folder: str, options: dict[str, Any]) -> dict[str, Any]:
    import torch
    from transformers import (
        AutoConfig,
        AutoModel,
        AutoModelForCausalLM,
        AutoModelForMaskedLM,
        AutoModelForSeq2SeqLM,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    torch.set_num_threads(max(1, int(options.get("threads", 2))))
    gguf_file = options.get("gguf_file")
    source: dict[str, Any] = {"trust_remote_code": False, **({"gguf_file": gguf_file} if gguf_file else {})}
    start = time.perf_counter()
    try:
        config = AutoConfig.from_pretrained(folder, **source)
    except (ValueError, KeyError, NotImplementedError) as error:
        if gguf_file:  # transformers raises ValueError for a GGUF architecture it has no mapping for
            raise Unsupported(f"transformers cannot read this GGUF: {_first_line(error)}") from error
        raise
    if gguf_file:  # a GGUF config names a model type, not a class: T5 files are encoder-decoders, others causal LMs
        causal = "seq2seq" if config.model_type in ("t5", "umt5") else "causal-lm"
        task = pick_task([], options.get("pipeline_tag"), default=causal)
    else:
        task = pick_task(list(config.architectures or []), options.get("pipeline_tag"))
    classes = {"causal-lm": AutoModelForCausalLM, "seq2seq": AutoModelForSeq2SeqLM, "encoder": AutoModel,
               "classification": AutoModelForSequenceClassification, "masked-lm": AutoModelForMaskedLM}  # fmt: skip
    if gguf_file:
        _check_described_size(classes[task], config, int(options.get("parameters") or 0))
    safe = {} if gguf_file or options.get("allow_pickle") else {"use_safetensors": True}
    try:
        model = classes[task].from_pretrained(folder, **source, **safe)
    except NotImplementedError as error:  # gguf's dequantize has no kernel for the tensor type
        if gguf_file:
            raise Unsupported(f"transformers cannot load this GGUF: {_first_line(error)}") from error
        raise
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(folder, **source)
    load_seconds = time.perf_counter() - start
    result: dict[str, Any] = {
        "task": task,
        "load_seconds": round(load_seconds, 3),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "dtype": str(next(model.parameters()).dtype).removeprefix("torch."),
    }
    if gguf_file:
        result["architecture"] = config.model_type
    inputs = tokenizer(PROMPT, return_tensors="pt")
    new_tokens = int(options.get("max_new_tokens", 8))
    with torch.inference_mode():
        if task in ("causal-lm", "seq2seq"):
            pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
            start = time.perf_counter()
            model.generate(**inputs, max_new_tokens=1, min_new_tokens=1, do_sample=False, pad_token_id=pad)
            result["first_token_seconds"] = round(time.perf_counter() - start, 4)
            start = time.perf_counter()
            output = model.generate(**inputs, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                    do_sample=False, pad_token_id=pad)  # fmt: skip
            elapsed = time.perf_counter() - start
            generated = output[0][inputs["input_ids"].shape[1] :] if task == "causal-lm" else output[0]
            result["tokens_per_second"] = round(len(generated) / elapsed, 2) if elapsed else None
            result["output_sample"] = tokenizer.decode(generated, skip_special_tokens=True)[:200]
        else:
            start = time.perf_counter()
            output = model(**inputs)
            result["first_token_seconds"] = round(time.perf_counter() - start, 4)
            repeats = 8
            start = time.perf_counter()
            for _ in range(repeats):
                output = model(**inputs)
            elapsed = time.perf_counter() - start
            result["items_per_second"] = round(repeats / elapsed, 2) if elapsed else None
            if task == "encoder":
                hidden = output.last_hidden_state
                mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                embedding = (hidden * mask).sum(1) / mask.sum(1)
                head = [round(float(v), 4) for v in embedding[0][:5]]
                result["output_sample"] = {"embedding_dims": int(embedding.shape[-1]), "embedding_head": head}
            else:
                logits = output.logits
                result["output_sample"] = {"logits_shape": list(logits.shape)}
    result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return result


def _check_described_size(model_class: Any, config: Any, stored: int) -> None:
    """Refuse a GGUF whose metadata, as transformers reads it, describes another model than its tensors hold: a
    missing hyperparameter falls back to the config class's default (a 7B llama), which would be allocated whole."""
    import torch

    with torch.device("meta"):  # no memory: shapes only
        skeleton = model_class.from_config(config, trust_remote_code=False)
    described = sum(p.numel() for p in skeleton.parameters())
    if not 0.9 * stored <= described <= 1.1 * stored:
        raise Unsupported(f"the architecture this GGUF's metadata describes (as transformers reads it) has "
                          f"{described:,} parameters, its tensors hold {stored:,}: not loaded")  # fmt: skip


def _first_line(error: BaseException) -> str:
    first = str(error).splitlines()[0][:300] if str(error) else ""
    return f"{type(error).__name__}: {first}"


def main() -> None:
    folder, options = sys.argv[1], json.loads(sys.argv[2])
    try:
        result = {"status": "ok", "reason": None, **run(folder, options)}
    except ImportError as error:
        result = {"status": "skipped", "reason": f"{error}: install the extra with pip install 'auditor[smoke]'"}
    except Unsupported as error:
        result = {"status": "skipped", "reason": str(error), "peak_rss_mb": round(_peak_rss_mb(), 1)}
    except Exception as error:  # reported to the parent as a failure, with the reason
        result = {"status": "failed", "reason": _first_line(error), "peak_rss_mb": round(_peak_rss_mb(), 1)}
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
