"""A tiny real GGUF language model written with the gguf package's GGUFWriter, as llama.cpp's converter lays it out.

Llama architecture, 2 blocks, hidden size 32, a character-level sentencepiece ("llama") vocabulary of 34 tokens in
the metadata: the keys transformers' GGUF loader maps (GGUF_CONFIG_MAPPING["llama"], GGUF_TOKENIZER_MAPPING) and
the tensor names of gguf's llama tensor map (token_embd, blk.N.attn_q …, output). 2-D tensors can be quantized
with gguf.quants.quantize (Q8_0 blocks hold 32 values, so every row length is a multiple of 32).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HIDDEN, FFN, BLOCKS, HEADS = 32, 64, 2, 2
TOKENS = ["<unk>", "<s>", "</s>", "▁", *"abcdefghijklmnopqrstuvwxyz", "T", "Q", ".", ","]
# every tensor of the file with its logical shape (rows = output features, as numpy and transformers see it)
SHAPES: dict[str, tuple[int, ...]] = {
    "token_embd.weight": (len(TOKENS), HIDDEN),
    **{
        f"blk.{block}.{name}": shape
        for block in range(BLOCKS)
        for name, shape in (
            ("attn_norm.weight", (HIDDEN,)),
            ("attn_q.weight", (HIDDEN, HIDDEN)),
            ("attn_k.weight", (HIDDEN, HIDDEN)),
            ("attn_v.weight", (HIDDEN, HIDDEN)),
            ("attn_output.weight", (HIDDEN, HIDDEN)),
            ("ffn_norm.weight", (HIDDEN,)),
            ("ffn_gate.weight", (FFN, HIDDEN)),
            ("ffn_up.weight", (FFN, HIDDEN)),
            ("ffn_down.weight", (HIDDEN, FFN)),
        )
    },
    "output_norm.weight": (HIDDEN,),
    "output.weight": (len(TOKENS), HIDDEN),
}
# embeddings and head, per block two norms, four attention and three feed-forward matrices, the final norm: 22,816
PARAMETERS = 2 * len(TOKENS) * HIDDEN + BLOCKS * (2 * HIDDEN + 4 * HIDDEN * HIDDEN + 3 * FFN * HIDDEN) + HIDDEN


def write_tiny_gguf(path: Path, *, quantized: bool = True, architecture: str = "llama", name: str = "tiny") -> Path:
    """A tiny llama-style GGUF: Q8_0 2-D tensors and F32 norms (``quantized``), else all F32."""
    import gguf

    rng = np.random.default_rng(0)
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name(name)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if quantized else gguf.LlamaFileType.ALL_F32)
    writer.add_context_length(64)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(BLOCKS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(HIDDEN // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(TOKENS))
    writer.add_tokenizer_model("llama")
    writer.add_token_list(TOKENS)
    writer.add_token_scores([0.0, 0.0, 0.0] + [-float(i) for i in range(len(TOKENS) - 3)])
    writer.add_token_types(
        [gguf.TokenType.UNKNOWN] + [gguf.TokenType.CONTROL] * 2 + [gguf.TokenType.NORMAL] * (len(TOKENS) - 3)
    )
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    for tensor, shape in SHAPES.items():
        values = (rng.standard_normal(shape) * 0.2).astype(np.float32)
        if quantized and len(shape) == 2:
            q8 = gguf.GGMLQuantizationType.Q8_0
            writer.add_tensor(tensor, gguf.quants.quantize(values, q8), raw_dtype=q8)
        else:
            writer.add_tensor(tensor, values)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
