"""Child process of a smoke run: load a model folder with transformers and run it once. Prints one JSON line.

Run as ``python -m auditor.smoke.worker FOLDER OPTIONS_JSON``. Never enables remote code; loads safetensors
unless pickle loading was explicitly allowed (then torch loads with ``weights_only``).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

PROMPT = "The quick brown fox"


def pick_task(architectures: list[str], pipeline_tag: str | None) -> str:
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
    return "encoder"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(folder: str, options: dict[str, Any]) -> dict[str, Any]:
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
    config = AutoConfig.from_pretrained(folder, trust_remote_code=False)
    task = pick_task(list(config.architectures or []), options.get("pipeline_tag"))
    classes = {"causal-lm": AutoModelForCausalLM, "seq2seq": AutoModelForSeq2SeqLM, "encoder": AutoModel,
               "classification": AutoModelForSequenceClassification, "masked-lm": AutoModelForMaskedLM}  # fmt: skip
    load = {"trust_remote_code": False}
    if not options.get("allow_pickle"):
        load["use_safetensors"] = True
    start = time.perf_counter()
    model = classes[task].from_pretrained(folder, **load)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    load_seconds = time.perf_counter() - start
    result: dict[str, Any] = {
        "task": task,
        "load_seconds": round(load_seconds, 3),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "dtype": str(next(model.parameters()).dtype).removeprefix("torch."),
    }
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


def main() -> None:
    folder, options = sys.argv[1], json.loads(sys.argv[2])
    try:
        result = {"status": "ok", "reason": None, **run(folder, options)}
    except ImportError as error:
        result = {"status": "skipped", "reason": f"{error}: install the extra with pip install 'auditor[smoke]'"}
    except Exception as error:  # reported to the parent as a failure, with the reason
        first = str(error).splitlines()[0][:300] if str(error) else ""
        result = {
            "status": "failed",
            "reason": f"{type(error).__name__}: {first}",
            "peak_rss_mb": round(_peak_rss_mb(), 1),
        }
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
