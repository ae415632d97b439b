// A model of einops' layers (einops.layers.torch): Rearrange, Reduce and Repeat run the function of their name with
// the pattern and axis lengths given when the layer was built.
import type { LibraryModel } from './index';

/**
 * Written for MemWall's interpreter from einops' documented behaviour (einops 0.4-0.8): a layer keeps its pattern and
 * axis lengths and its forward is the function of its name, whose output shape the catalog reads from the pattern
 * (ir/catalog/einops.ts). Each is then the one op the function is: a view, a copy or a reduction.
 */
const TEXT = `
import torch
from einops import rearrange, reduce, repeat


class Rearrange(torch.nn.Module):
    def __init__(self, pattern, **axes_lengths):
        super().__init__()
        self.pattern = pattern
        self.axes_lengths = axes_lengths

    def forward(self, input):
        return rearrange(input, self.pattern, **self.axes_lengths)


class Reduce(torch.nn.Module):
    def __init__(self, pattern, reduction, **axes_lengths):
        super().__init__()
        self.pattern = pattern
        self.reduction = reduction
        self.axes_lengths = axes_lengths

    def forward(self, input):
        return reduce(input, self.pattern, self.reduction, **self.axes_lengths)


class Repeat(torch.nn.Module):
    def __init__(self, pattern, **axes_lengths):
        super().__init__()
        self.pattern = pattern
        self.axes_lengths = axes_lengths

    def forward(self, input):
        return repeat(input, self.pattern, **self.axes_lengths)
`;

/** einops exports its PyTorch layers from einops.layers.torch (each defined in einops.layers._einmix and .torch). */
export const EINOPS_MODEL: LibraryModel = {
  name: 'einops',
  modules: ['einops.layers.torch'],
  text: TEXT,
};
