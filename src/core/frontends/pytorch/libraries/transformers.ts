// A model of the Hugging Face transformers pieces that modeling files import: the activation registries (ACT2FN,
// ACT2CLS, get_activation), the attention registry with its SDPA path, the mask builders and the base classes.
import type { LibraryModel } from './index';

/**
 * transformers.activations (4.4x-4.5x): each activation's forward as it runs. Several are written out in Python
 * (gelu_new, gelu_fast, quick_gelu…) and so run as several kernels; the model keeps them written out. ACT2FN hands out
 * instances and ACT2CLS classes, as the library's ClassInstantier does.
 */
const ACTIVATIONS = `
import math
import torch
from torch import nn


class GELUTanh(nn.Module):
    def __init__(self, use_gelu_tanh_python=False):
        super().__init__()
        self.use_gelu_tanh_python = use_gelu_tanh_python

    def forward(self, input):
        if self.use_gelu_tanh_python:
            return input * 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))
        return nn.functional.gelu(input, approximate="tanh")


PytorchGELUTanh = GELUTanh


class NewGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))


class GELUActivation(nn.Module):
    def __init__(self, use_gelu_python=False):
        super().__init__()
        self.use_gelu_python = use_gelu_python

    def forward(self, input):
        if self.use_gelu_python:
            return input * 0.5 * (1.0 + torch.erf(input / math.sqrt(2.0)))
        return nn.functional.gelu(input)


class SiLUActivation(nn.Module):
    def forward(self, input):
        return nn.functional.silu(input)


class FastGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(input * 0.7978845608 * (1.0 + 0.044715 * input * input)))


class QuickGELUActivation(nn.Module):
    def forward(self, input):
        return input * torch.sigmoid(1.702 * input)


class ClippedGELUActivation(nn.Module):
    def __init__(self, min, max):
        super().__init__()
        self.min = min
        self.max = max

    def forward(self, x):
        return torch.clip(nn.functional.gelu(x), self.min, self.max)


class AccurateGELUActivation(nn.Module):
    def __init__(self):
        super().__init__()
        self.precomputed_constant = math.sqrt(2 / math.pi)

    def forward(self, input):
        return 0.5 * input * (1 + torch.tanh(self.precomputed_constant * (input + 0.044715 * torch.pow(input, 3))))


class MishActivation(nn.Module):
    def forward(self, input):
        return nn.functional.mish(input)


class LinearActivation(nn.Module):
    def forward(self, input):
        return input


class LaplaceActivation(nn.Module):
    def forward(self, input, mu=0.707107, sigma=0.282095):
        input = (input - mu).div(sigma * math.sqrt(2.0))
        return 0.5 * (1.0 + torch.erf(input))


class ReLUSquaredActivation(nn.Module):
    def forward(self, input):
        relu_applied = nn.functional.relu(input)
        squared = torch.square(relu_applied)
        return squared


ACT2CLS = {
    "gelu": GELUActivation,
    "gelu_fast": FastGELUActivation,
    "gelu_new": NewGELUActivation,
    "gelu_pytorch_tanh": GELUTanh,
    "gelu_accurate": AccurateGELUActivation,
    "hardswish": nn.Hardswish,
    "laplace": LaplaceActivation,
    "leaky_relu": nn.LeakyReLU,
    "linear": LinearActivation,
    "mish": MishActivation,
    "quick_gelu": QuickGELUActivation,
    "relu": nn.ReLU,
    "relu2": ReLUSquaredActivation,
    "relu6": nn.ReLU6,
    "sigmoid": nn.Sigmoid,
    "silu": SiLUActivation,
    "swish": nn.SiLU,
    "tanh": nn.Tanh,
    "prelu": nn.PReLU,
}

ACT2FN = {
    "gelu": GELUActivation(),
    "gelu_10": ClippedGELUActivation(-10, 10),
    "gelu_fast": FastGELUActivation(),
    "gelu_new": NewGELUActivation(),
    "gelu_python": GELUActivation(use_gelu_python=True),
    "gelu_pytorch_tanh": GELUTanh(),
    "gelu_python_tanh": GELUTanh(use_gelu_tanh_python=True),
    "gelu_accurate": AccurateGELUActivation(),
    "hardswish": nn.Hardswish(),
    "laplace": LaplaceActivation(),
    "leaky_relu": nn.LeakyReLU(),
    "linear": LinearActivation(),
    "mish": MishActivation(),
    "quick_gelu": QuickGELUActivation(),
    "relu": nn.ReLU(),
    "relu2": ReLUSquaredActivation(),
    "relu6": nn.ReLU6(),
    "sigmoid": nn.Sigmoid(),
    "silu": SiLUActivation(),
    "swish": nn.SiLU(),
    "tanh": nn.Tanh(),
    "prelu": nn.PReLU(),
}


def get_activation(activation_string):
    return ACT2FN[activation_string]


gelu = get_activation("gelu")
gelu_new = get_activation("gelu_new")
gelu_fast = get_activation("gelu_fast")
quick_gelu = get_activation("quick_gelu")
silu = get_activation("silu")
mish = get_activation("mish")
`;

/**
 * transformers.integrations.sdpa_attention and the registry of modeling_utils (4.48+). The registry's key is the
 * config's _attn_implementation; when the code does not say it, the interpreter follows the `sdpa` entry, which is
 * transformers' default on PyTorch 2. sdpa_attention_forward hands grouped KV heads to SDPA unrepeated (enable_gqa)
 * when there is no mask, and repeats them (repeat_kv: an expand and a copying reshape) when there is one; a mask the
 * code does not show is taken as absent, as transformers' mask builders return None for plain causal attention under
 * sdpa (masking_utils below).
 */
const ATTENTION = `
import torch
from torch import nn


def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


def sdpa_attention_forward(module, query, key, value, attention_mask, dropout=0.0, scaling=None, is_causal=None, **kwargs):
    if attention_mask is None:
        is_causal = query.shape[2] > 1 and getattr(module, "is_causal", True)
        attn_output = torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=dropout, scale=scaling, is_causal=is_causal, enable_gqa=True)
    else:
        key = repeat_kv(key, module.num_key_value_groups)
        value = repeat_kv(value, module.num_key_value_groups)
        attention_mask = attention_mask[:, :, :, : key.shape[-2]]
        attn_output = torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=attention_mask, dropout_p=dropout, scale=scaling, is_causal=False)
    attn_output = attn_output.transpose(1, 2).contiguous()
    return attn_output, None


def flash_attention_forward(module, query, key, value, attention_mask, dropout=0.0, scaling=None, sliding_window=None, softcap=None, **kwargs):
    query = query.transpose(1, 2)
    key = key.transpose(1, 2)
    value = value.transpose(1, 2)
    attn_output = flash_attn_func(query, key, value, dropout_p=dropout, softmax_scale=scaling, causal=True)
    return attn_output, None


ALL_ATTENTION_FUNCTIONS = {
    "sdpa": sdpa_attention_forward,
    "flash_attention_2": flash_attention_forward,
}


class PreTrainedModel(nn.Module):
    _supports_sdpa = False

    def __init__(self, config, *inputs, **kwargs):
        super().__init__()
        # The attention implementation a model gets when none is asked for: sdpa where the model supports it, else
        # eager (PreTrainedModel._check_and_adjust_attn_implementation).
        if getattr(config, "_attn_implementation", None) is None:
            config._attn_implementation = "sdpa" if self._supports_sdpa else "eager"
        self.config = config

    def post_init(self):
        pass

    def get_head_mask(self, head_mask, num_hidden_layers, is_attention_chunked=False):
        # Without a head mask (inference's default) each layer gets None, and multiplies by nothing.
        if head_mask is None:
            return [None] * num_hidden_layers
        return head_mask


class GradientCheckpointingLayer(nn.Module):
    pass
`;

/**
 * transformers.masking_utils (4.53+): with sdpa and no padding, the builders return None and the kernel applies the
 * causal mask itself (is_causal); that is the case the model prices.
 */
const MASKING = `
def create_causal_mask(*args, **kwargs):
    return None


def create_sliding_window_causal_mask(*args, **kwargs):
    return None


def create_masks_for_generate(*args, **kwargs):
    return None
`;

/**
 * transformers.modeling_rope_utils (4.4x-4.5x): the default RoPE's inverse frequencies, built once in the rotary
 * module's `__init__` from the config (`rope_theta`, the head size, an optional partial rotary factor), with an
 * attention scaling of 1; `dynamic_rope_update` changes nothing for the default RoPE.
 */
const ROPE = `
import torch


def _compute_default_rope_parameters(config=None, device=None, seq_len=None, layer_type=None):
    base = config.rope_theta
    partial_rotary_factor = getattr(config, "partial_rotary_factor", 1.0)
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    dim = int(head_dim * partial_rotary_factor)
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float) / dim))
    return inv_freq, 1.0


ROPE_INIT_FUNCTIONS = {"default": _compute_default_rope_parameters}


def dynamic_rope_update(rope_forward):
    return rope_forward
`;

/**
 * transformers.cache_utils (4.4x-4.5x) for one forward over a prompt (prefill): the cache starts empty, so `update`
 * stores the layer's keys and values and returns them as they are (DynamicLayer keeps the first ones without a copy)
 * and the cache holds no tokens yet.
 */
const CACHE = `
class Cache:
    is_compileable = False

    def __init__(self, *args, **kwargs):
        pass

    def update(self, key_states, value_states, layer_idx, cache_kwargs=None):
        return key_states, value_states

    def get_seq_length(self, layer_idx=0):
        return 0

    def get_max_cache_shape(self, layer_idx=0):
        return None


class DynamicCache(Cache):
    pass


class StaticCache(Cache):
    is_compileable = True
`;

/**
 * transformers.modeling_outputs: every output class as one ModelOutput whose fields come in the order the classes
 * give them (loss, then the logits, then the hidden states and the cache), so that `outputs[0]` is the first field
 * set, as a ModelOutput's tuple view is, and `outputs.logits` reads the field.
 */
const OUTPUTS = `
class ModelOutput:
    def __init__(self, loss=None, logits=None, start_logits=None, end_logits=None, last_hidden_state=None, pooler_output=None, past_key_values=None, hidden_states=None, attentions=None, cross_attentions=None):
        self.loss = loss
        self.logits = logits
        self.start_logits = start_logits
        self.end_logits = end_logits
        self.last_hidden_state = last_hidden_state
        self.pooler_output = pooler_output
        self.past_key_values = past_key_values
        self.hidden_states = hidden_states
        self.attentions = attentions
        self.cross_attentions = cross_attentions

    def to_tuple(self):
        return tuple(v for v in [self.loss, self.logits, self.start_logits, self.end_logits, self.last_hidden_state, self.pooler_output, self.past_key_values, self.hidden_states, self.attentions, self.cross_attentions] if v is not None)

    def __getitem__(self, index):
        return self.to_tuple()[index]


${['BaseModelOutput', 'BaseModelOutputWithPast', 'BaseModelOutputWithPooling', 'BaseModelOutputWithPastAndCrossAttentions', 'BaseModelOutputWithPoolingAndCrossAttentions', 'CausalLMOutput', 'CausalLMOutputWithPast', 'CausalLMOutputWithCrossAttentions', 'SequenceClassifierOutput', 'SequenceClassifierOutputWithPast', 'TokenClassifierOutput', 'QuestionAnsweringModelOutput', 'MaskedLMOutput', 'ImageClassifierOutput'].map((name) => `${name} = ModelOutput`).join('\n')}
`;

/**
 * A modeling file inside transformers imports these relatively (`from ...activations import ACT2FN`); analysed on its
 * own it has no package, so the bare module names stand for transformers' too.
 */
function spellings(path: string): string[] {
  return [`transformers.${path}`, path];
}

export const TRANSFORMERS_MODELS: readonly LibraryModel[] = [
  { name: 'transformers.activations', modules: spellings('activations'), text: ACTIVATIONS },
  {
    name: 'transformers.modeling_utils',
    modules: [...spellings('modeling_utils'), ...spellings('integrations.sdpa_attention'), ...spellings('integrations.flash_attention'), ...spellings('modeling_layers')],
    text: `from flash_attn import flash_attn_func\n${ATTENTION}`,
  },
  { name: 'transformers.masking_utils', modules: spellings('masking_utils'), text: MASKING },
  { name: 'transformers.modeling_rope_utils', modules: spellings('modeling_rope_utils'), text: ROPE },
  { name: 'transformers.cache_utils', modules: spellings('cache_utils'), text: CACHE },
  { name: 'transformers.modeling_outputs', modules: spellings('modeling_outputs'), text: OUTPUTS },
];
