"""A tiny Qwen3-shaped chat model with random weights and a locally trained byte-level BPE tokenizer.

Nothing is downloaded: the tokenizer is trained here on a few lines of text (plus the 256-byte alphabet,
so any text encodes), the model is `Qwen3ForCausalLM` with random weights and a vocabulary padded to a
multiple of 64 (like the real model's embedding is larger than its tokenizer), EOS is `<|im_end|>`.
"""

from __future__ import annotations

from pathlib import Path

# Qwen-style chat template (written here): system, user, assistant, tool turns; `tools=` rendered in the
# system turn; `add_generation_prompt` opens the assistant turn.
CHAT_TEMPLATE = (
    "{%- if tools %}{{ '<|im_start|>system\\n' }}"
    "{%- if messages[0].role == 'system' %}{{ messages[0].content + '\\n\\n' }}{%- endif %}"
    "{{ '# Tools\\n<tools>' }}{%- for tool in tools %}{{ '\\n' + (tool | tojson) }}{%- endfor %}"
    "{{ '\\n</tools><|im_end|>\\n' }}"
    "{%- elif messages[0].role == 'system' %}"
    "{{ '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'system' %}"
    "{%- elif message.role == 'tool' %}"
    "{{ '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' }}"
    "{%- else %}{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
ADDED_TOKENS = ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>")

_CORPUS = [
    '{"tool": "search_logs", "args": {"paths": ["/var/log/auth.log"], "pattern": "Failed password"}}',
    '{"tool": "list_processes", "args": {}, "rationale": "look for a miner"}',
    "Nov 12 03:14:07 web01 sshd[1234]: Failed password for invalid user admin from 203.0.113.9 port 4242",
    "Accepted publickey for root from 198.51.100.7 port 22 ssh2: ED25519 SHA256:abc",
    "The quick brown fox jumps over the lazy dog. Investigate the host, then report the findings.",
    "sha256 hash of /tmp/.x/xmrig is in the intel store; persistence through cron and systemd units.",
    "You are Sleuth, an incident-response assistant. Propose exactly one read-only tool call.",
    "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ {}[]:,\"'\\/-_.;()",
]


def build_tokenizer(vocab_size: int = 600) -> object:
    """Train a byte-level BPE on the small corpus and wrap it as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(_CORPUS * 4, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=list(SPECIAL_TOKENS[1:]),
    )
    tokenizer.add_tokens(list(ADDED_TOKENS))
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_tiny_model(directory: Path, *, seed: int = 0, layers: int = 2) -> Path:
    """Write a tiny random-weight Qwen3 chat model (config, weights, tokenizer) to `directory`."""
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    tokenizer = build_tokenizer()
    vocab = len(tokenizer)  # type: ignore[arg-type]
    padded = (vocab + 63) // 64 * 64
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")  # type: ignore[attr-defined]
    pad = tokenizer.convert_tokens_to_ids("<|endoftext|>")  # type: ignore[attr-defined]
    config = Qwen3Config(
        vocab_size=padded,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=4096,
        rope_parameters={"rope_type": "default", "rope_theta": 1_000_000.0},
        tie_word_embeddings=True,
        eos_token_id=eos,
        pad_token_id=pad,
        bos_token_id=pad,
    )
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=[eos, pad], pad_token_id=pad, bos_token_id=pad)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)  # type: ignore[attr-defined]
    return directory
