// Models of the config classes that published model files import from their own library (transformers'
// configuration_*.py, litgpt.config, gemma.config): each field at the library's default, so that a model built from
// `Config()` is sized as the library sizes it, and every size says it is the library's default.
import type { LibraryModel } from './index';

/**
 * transformers' PretrainedConfig fields that modeling files read, at their defaults (4.2x-4.5x): two labels, no pad
 * token, plain outputs. Each model config below is a dataclass over it with the defaults its `__init__` documents;
 * `attribute_map` aliases (GPTBigCode's `hidden_size` for `n_embd`) are set in `__post_init__` to the field they
 * alias, as the library's `__getattribute__` answers them.
 */
const TRANSFORMERS_CONFIGS = `
from dataclasses import dataclass


@dataclass
class PretrainedConfig:
    num_labels: int = 2
    output_attentions: bool = False
    output_hidden_states: bool = False
    use_return_dict: bool = True
    return_dict: bool = True
    is_decoder: bool = False
    add_cross_attention: bool = False
    chunk_size_feed_forward: int = 0
    pad_token_id: int = None
    problem_type: str = None
    use_cache: bool = True


PreTrainedConfig = PretrainedConfig


@dataclass
class GPTNeoXConfig(PretrainedConfig):
    vocab_size: int = 50432
    hidden_size: int = 6144
    num_hidden_layers: int = 44
    num_attention_heads: int = 64
    intermediate_size: int = 24576
    hidden_act: str = "gelu"
    rotary_pct: float = 0.25
    rotary_emb_base: int = 10000
    attention_dropout: float = 0.0
    hidden_dropout: float = 0.0
    classifier_dropout: float = 0.1
    max_position_embeddings: int = 2048
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-5
    use_parallel_residual: bool = True
    attention_bias: bool = True


@dataclass
class Qwen2Config(PretrainedConfig):
    vocab_size: int = 151936
    hidden_size: int = 4096
    intermediate_size: int = 22016
    num_hidden_layers: int = 32
    num_attention_heads: int = 32
    num_key_value_heads: int = 32
    hidden_act: str = "silu"
    max_position_embeddings: int = 32768
    initializer_range: float = 0.02
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    rope_scaling: dict = None
    use_sliding_window: bool = False
    sliding_window: int = 4096
    max_window_layers: int = 28
    layer_types: list = None
    attention_dropout: float = 0.0

    def __post_init__(self):
        # Without use_sliding_window no layer slides: every layer is full attention.
        self.sliding_window = self.sliding_window if self.use_sliding_window else None
        if self.layer_types is None:
            self.layer_types = ["full_attention"] * self.num_hidden_layers


@dataclass
class ViTConfig(PretrainedConfig):
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.0
    attention_probs_dropout_prob: float = 0.0
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    image_size: int = 224
    patch_size: int = 16
    num_channels: int = 3
    qkv_bias: bool = True
    encoder_stride: int = 16


@dataclass
class GPTBigCodeConfig(PretrainedConfig):
    vocab_size: int = 50257
    n_positions: int = 1024
    n_embd: int = 768
    n_layer: int = 12
    n_head: int = 12
    n_inner: int = None
    activation_function: str = "gelu_pytorch_tanh"
    resid_pdrop: float = 0.1
    embd_pdrop: float = 0.1
    attn_pdrop: float = 0.1
    layer_norm_epsilon: float = 1e-5
    initializer_range: float = 0.02
    scale_attn_weights: bool = True
    attention_softmax_in_fp32: bool = True
    scale_attention_softmax_in_fp32: bool = True
    multi_query: bool = True

    def __post_init__(self):
        self.hidden_size = self.n_embd
        self.max_position_embeddings = self.n_positions
        self.num_attention_heads = self.n_head
        self.num_hidden_layers = self.n_layer


@dataclass
class BloomConfig(PretrainedConfig):
    vocab_size: int = 250880
    hidden_size: int = 64
    n_layer: int = 2
    n_head: int = 8
    layer_norm_epsilon: float = 1e-5
    initializer_range: float = 0.02
    apply_residual_connection_post_layernorm: bool = False
    hidden_dropout: float = 0.0
    attention_dropout: float = 0.0
    pretraining_tp: int = 1
    slow_but_exact: bool = False

    def __post_init__(self):
        self.num_hidden_layers = self.n_layer
        self.num_attention_heads = self.n_head
`;

/** The transformers modules a config is imported from: the package, each model's module, and a modeling file's `.configuration_x`. */
const TRANSFORMERS_CONFIG_MODULES = ['gpt_neox', 'qwen2', 'vit', 'gpt_bigcode', 'bloom'].flatMap((model) => [
  `transformers.models.${model}.configuration_${model}`,
  `transformers.models.${model}`,
  `configuration_${model}`,
]);

/**
 * litgpt.config.Config (2024-2025): the fields model.py reads, at their defaults, and what `__post_init__` derives
 * from them (head size, the vocabulary padded to a multiple of 512, one query group per head, a 4× MLP, the rotary
 * share of the head). `norm_class` is torch.nn.LayerNorm, as the library's property gives for the default `norm_class_name`;
 * `mlp_class` is the class of litgpt.model named by `mlp_class_name`, as the library's property finds it.
 */
const LITGPT_CONFIG = `
from dataclasses import dataclass

import litgpt.model
import torch


def find_multiple(n, k):
    if n % k == 0:
        return n
    return n + k - (n % k)


@dataclass
class Config:
    name: str = ""
    block_size: int = 4096
    n_layer: int = 16
    n_embd: int = 4096
    vocab_size: int = 50254
    padding_multiple: int = 512
    padded_vocab_size: int = None
    norm_class_name: str = "LayerNorm"
    norm_eps: float = 1e-5
    norm_qk: bool = False
    post_attention_norm: bool = False
    post_mlp_norm: bool = False
    parallel_residual: bool = True
    shared_attention_norm: bool = False
    n_head: int = 32
    head_size: int = None
    n_query_groups: int = None
    attn_bias: bool = False
    attention_scores_scalar: int = None
    sliding_window_size: int = None
    attention_logit_softcapping: float = None
    rope_base: int = 10000
    rotary_percentage: float = 0.25
    rope_condense_ratio: int = 1
    rope_adjustments: dict = None
    intermediate_size: int = None
    moe_intermediate_size: int = None
    bias: bool = True
    mlp_class_name: str = "GptNeoxMLP"
    gelu_approximate: str = "none"
    n_expert: int = 0
    n_expert_per_token: int = 0
    scale_embeddings: bool = False
    lm_head_bias: bool = False
    final_logit_softcapping: float = None
    norm_1: bool = True
    norm_2: bool = True
    latent_attention: dict = None
    rope_local_base_freq: float = None
    rope_indices: list = None

    def __post_init__(self):
        if self.head_size is None:
            self.head_size = self.n_embd // self.n_head
        if self.padded_vocab_size is None:
            self.padded_vocab_size = find_multiple(self.vocab_size, self.padding_multiple)
        if self.n_query_groups is None:
            self.n_query_groups = self.n_head
        if self.intermediate_size is None:
            self.intermediate_size = 4 * self.n_embd
        self.rope_n_elem = int(self.rotary_percentage * self.head_size)
        self.sliding_window_indices = None
        self.norm_class = torch.nn.LayerNorm
        self.mlp_class = getattr(litgpt.model, self.mlp_class_name)
`;

/**
 * gemma.config (gemma_pytorch, 2024): GemmaConfig at its defaults, the 7B model (Gemma 1, 28 layers of width 3072,
 * 16 heads of 256, a 24576-wide MLP), and the enums model.py compares against.
 */
const GEMMA_CONFIG = `
import dataclasses
import enum


class AttentionType(enum.Enum):
    GLOBAL = 1
    LOCAL_SLIDING = 2


class Architecture(enum.Enum):
    GEMMA_1 = 1
    GEMMA_2 = 2
    GEMMA_3 = 3


@dataclasses.dataclass
class GemmaConfig:
    architecture: int = Architecture.GEMMA_1
    vocab_size: int = 256000
    max_position_embeddings: int = 8192
    num_hidden_layers: int = 28
    num_attention_heads: int = 16
    num_key_value_heads: int = 16
    hidden_size: int = 3072
    intermediate_size: int = 24576
    head_dim: int = 256
    rms_norm_eps: float = 1e-6
    dtype: str = "bfloat16"
    quant: bool = False
    tokenizer: str = "tokenizer/tokenizer.model"
    attn_types: list = None
    sliding_window_size: int = None
    final_logit_softcapping: float = None
    attn_logit_softcapping: float = None
    query_pre_attn_scalar: int = None
    use_pre_ffw_norm: bool = False
    use_post_ffw_norm: bool = False
`;

export const CONFIG_MODELS: readonly LibraryModel[] = [
  { name: 'transformers.configuration_utils', modules: ['transformers', 'transformers.configuration_utils', 'configuration_utils', ...TRANSFORMERS_CONFIG_MODULES], text: TRANSFORMERS_CONFIGS },
  { name: 'litgpt.config', modules: ['litgpt.config'], text: LITGPT_CONFIG },
  { name: 'gemma.config', modules: ['gemma.config'], text: GEMMA_CONFIG },
];
