// Subclasses of nn.Sequential that hand their layers to `super().__init__(*layers)` and have no forward of their own
// (torchvision's Conv2dNormActivation): calling one runs its children in order, each priced as the catalog prices it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import { testParser } from '../helpers/parser';

const CONV_NORM = `
import torch
from torch import nn


class ConvNormActivation(torch.nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, norm_layer=torch.nn.BatchNorm2d, activation_layer=torch.nn.ReLU):
        padding = (kernel_size - 1) // 2
        layers = [torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=norm_layer is None)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(inplace=True))
        super().__init__(*layers)
        self.out_channels = out_channels


class Conv2dNormActivation(ConvNormActivation):
    pass


class ConvThenScale(nn.Sequential):
    """The trap twin: a Sequential subclass with its own forward, which runs instead of the children in order."""

    def __init__(self, channels):
        super().__init__(nn.Conv2d(channels, channels, 1), nn.ReLU())

    def forward(self, x):
        return x * 2.0


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv2dNormActivation(3, 32, stride=2, activation_layer=nn.ReLU6)
        self.scale = ConvThenScale(32)

    def forward(self, x):
        return self.scale(self.conv(x))


stem = Stem()
y = stem(torch.randn(1, 3, 224, 224))
`;

describe('nn.Sequential subclasses', () => {
  it("run their children in order, with the children's module paths and hand-computed FLOPs", async () => {
    const analysis = analyze(CONV_NORM, { parser: await testParser() });
    const ops = analysis.costs.filter((cost) => cost.node.op !== 'torch.randn');
    assert.deepEqual(ops.map((cost) => `${cost.node.op} ${cost.node.modulePath}`), [
      'torch.nn.Conv2d conv.0',
      'torch.nn.BatchNorm2d conv.1',
      'torch.nn.ReLU6 conv.2',
      'torch.mul scale',
    ]);
    const conv = ops[0]!;
    assert.deepEqual(conv.outputShapes[0], [1, 32, 112, 112]);
    // 2 FLOPs per multiply-add: 2 · (1·32·112·112 outputs) · (3·3·3 inputs each), no bias (a norm follows).
    assert.equal(conv.flops, 2 * 1 * 32 * 112 * 112 * 3 * 3 * 3);
    assert.equal(conv.flops, 21_676_032);
  });
});
