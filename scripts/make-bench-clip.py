#!/usr/bin/python3
"""Exports a vision tower with CLIP ViT-B/32's architecture and random weights to ONNX, for IndexBenchmark.

Run with Debian's Python and its PyTorch (apt-get install -y python3-torch python3-onnx):

    /usr/bin/python3 scripts/make-bench-clip.py OUTPUT_DIR

Writes OUTPUT_DIR/vision_model.onnx: pixel_values float32 [batch,3,224,224] -> image_embeds [batch,512],
the names ClipEmbedder expects (see src/test/resources/clip-tiny/README.md). The architecture is
OpenAI's ViT-B/32 visual tower: a 32x32 patch convolution (768 channels, no bias), a class token and
50 positional embeddings, a pre-LayerNorm, 12 residual blocks of 12-head self-attention and a 3072-wide
QuickGELU MLP, a post-LayerNorm of the class token and a 768x512 projection: about 88 M parameters,
about 351 MB of float32 ONNX. The weights are random (seeded): the cost of inference is the real
model's, the vectors mean nothing. Attention is written out by hand because nn.MultiheadAttention's
fast path does not export. The text tower is not made; the benchmark only embeds images.
"""
import os
import sys

import torch
from torch import nn

WIDTH, LAYERS, HEADS, PATCH, SIZE, EMBED = 768, 12, 12, 32, 224, 512


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.out = nn.Linear(WIDTH, WIDTH)

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, HEADS, WIDTH // HEADS).permute(2, 0, 3, 1, 4).unbind(0)
        weights = torch.softmax(q @ k.transpose(-2, -1) * (WIDTH // HEADS) ** -0.5, dim=-1)
        return self.out((weights @ v).transpose(1, 2).reshape(b, n, WIDTH))


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(WIDTH)
        self.attn = Attention()
        self.ln_2 = nn.LayerNorm(WIDTH)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), QuickGELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class VisionTower(nn.Module):
    def __init__(self):
        super().__init__()
        scale = WIDTH ** -0.5
        self.conv1 = nn.Conv2d(3, WIDTH, kernel_size=PATCH, stride=PATCH, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(WIDTH))
        self.positional_embedding = nn.Parameter(scale * torch.randn((SIZE // PATCH) ** 2 + 1, WIDTH))
        self.ln_pre = nn.LayerNorm(WIDTH)
        self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
        self.ln_post = nn.LayerNorm(WIDTH)
        self.proj = nn.Parameter(scale * torch.randn(WIDTH, EMBED))

    def forward(self, pixel_values):
        x = self.conv1(pixel_values).flatten(2).transpose(1, 2)                # [b, 49, 768]
        cls = self.class_embedding.expand(x.shape[0], 1, WIDTH)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding             # [b, 50, 768]
        x = self.blocks(self.ln_pre(x))
        return self.ln_post(x[:, 0, :]) @ self.proj                           # [b, 512]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(32)
    model = VisionTower().eval()
    params = sum(p.numel() for p in model.parameters())
    path = os.path.join(out, "vision_model.onnx")
    with torch.no_grad():
        torch.onnx.export(model, torch.randn(2, 3, SIZE, SIZE), path, input_names=["pixel_values"],
                          output_names=["image_embeds"],
                          dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}, opset_version=14)
    print(f"wrote {path}: {params / 1e6:.1f} M parameters, {os.path.getsize(path) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
