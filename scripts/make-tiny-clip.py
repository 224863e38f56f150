#!/usr/bin/python3
"""Writes the tiny CLIP stand-in models used by the tests (src/test/resources/clip-tiny/).

Run with Debian's Python (it has python3-onnx; install it with `apt-get install python3-onnx`):

    /usr/bin/python3 scripts/make-tiny-clip.py [OUTPUT_DIR]

The models have the input and output names, types and ranks of the common Hugging Face split
CLIP export (vision_model.onnx: pixel_values float32 [batch,3,224,224] -> image_embeds [batch,D];
text_model.onnx: input_ids int64 [batch,sequence] -> text_embeds [batch,D]), with dynamic batch and
sequence axes, but a few kilobytes of weights instead of 600 MB. Weights follow closed formulas so a
test can recompute the expected output independently (ClipEmbedderTest does):

    vision: image_embeds = flatten(AveragePool32x32/32(pixel_values)) @ Wv
            Wv[i][k] = sin(0.37*i + 0.11*k + 0.5),  i < 147 (c*49 + y*7 + x), k < D
    text:   e_t = T[id_t mod 64];  text_embeds = mean(e_0 .. e_p) @ Wt, p = first position of the
            largest id (the end token, 49407): like CLIP's causal pooling, padding after it is ignored
            T[r][j] = cos(0.13*r + 0.29*j),  Wt[j][k] = sin(0.21*j - 0.17*k + 1.0),  r < 64, j < 16

It also writes src/test/resources/clip-preprocess/: three synthetic images and Pillow's
bicubic resize + centre crop of each (needs python3-pil), the reference ClipPreprocessorTest
checks bit for bit.

A third file, combined/model.onnx, is the combined export's shape (input_ids, pixel_values,
attention_mask -> text_embeds, image_embeds) with the same weights.

The tokenizer is hand-written: merges.txt (42 merges) and words.tsv (the real
openai/clip-vit-base-patch32 ids of the words the tests use). This script adds the 512 byte-level
entries and the two special tokens, gives the intermediate merge products placeholder ids from
49000 up (never emitted for the test sentences), writes vocab.json and tokenizer.json, and checks
the reference tokenisations with a straight port of CLIP's simple_tokenizer.py.
"""
import json
import re
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

D = 32          # embedding dimensions (the real ViT-B/32 has 512; tests read it from the model)
ROWS = 64       # rows of the token table
WIDTH = 16      # width of the token table


def vision_weights():
    i = np.arange(147, dtype=np.float64)[:, None]
    k = np.arange(D, dtype=np.float64)[None, :]
    return np.sin(0.37 * i + 0.11 * k + 0.5).astype(np.float32)


def text_weights():
    r = np.arange(ROWS, dtype=np.float64)[:, None]
    j = np.arange(WIDTH, dtype=np.float64)[None, :]
    table = np.cos(0.13 * r + 0.29 * j).astype(np.float32)
    j2 = np.arange(WIDTH, dtype=np.float64)[:, None]
    k = np.arange(D, dtype=np.float64)[None, :]
    wt = np.sin(0.21 * j2 - 0.17 * k + 1.0).astype(np.float32)
    return table, wt


def vision_nodes():
    nodes = [
        helper.make_node("AveragePool", ["pixel_values"], ["pooled"], kernel_shape=[32, 32], strides=[32, 32]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "Wv"], ["image_embeds"]),
    ]
    inits = [numpy_helper.from_array(vision_weights(), "Wv")]
    return nodes, inits


def text_nodes(mask_input=None):
    table, wt = text_weights()
    nodes = [
        helper.make_node("Mod", ["input_ids", "rows"], ["row_ids"]),
        helper.make_node("Gather", ["T", "row_ids"], ["tok"], axis=0),            # [b,s,16]
        helper.make_node("CumSum", ["tok", "seq_axis"], ["running"]),               # [b,s,16]
        helper.make_node("ArgMax", ["input_ids"], ["end_pos"], axis=1, keepdims=1),  # [b,1]
        helper.make_node("Unsqueeze", ["end_pos", "axis2"], ["end_pos3"]),          # [b,1,1]
        helper.make_node("Expand", ["end_pos3", "expand_shape"], ["end_idx"]),       # [b,1,16]
        helper.make_node("GatherElements", ["running", "end_idx"], ["summed3"], axis=1),
        helper.make_node("Squeeze", ["summed3", "axis1"], ["summed"]),               # [b,16]
        helper.make_node("Add", ["end_pos", "one"], ["count_i"]),
        helper.make_node("Cast", ["count_i"], ["count"], to=TensorProto.FLOAT),     # [b,1]
        helper.make_node("Div", ["summed", "count"], ["mean"]),
    ]
    if mask_input is None:
        nodes.append(helper.make_node("MatMul", ["mean", "Wt"], ["text_embeds"]))
    else:
        # Consume attention_mask (as the combined export does) without changing the result: + 0 * sum(mask).
        nodes += [
            helper.make_node("Cast", [mask_input], ["mask_f"], to=TensorProto.FLOAT),
            helper.make_node("ReduceSum", ["mask_f"], ["mask_sum"], keepdims=0),
            helper.make_node("Mul", ["mask_sum", "zero"], ["nothing"]),
            helper.make_node("Add", ["mean", "nothing"], ["mean2"]),
            helper.make_node("MatMul", ["mean2", "Wt"], ["text_embeds"]),
        ]
    inits = [
        numpy_helper.from_array(table, "T"),
        numpy_helper.from_array(wt, "Wt"),
        numpy_helper.from_array(np.array(ROWS, dtype=np.int64), "rows"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "seq_axis"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        numpy_helper.from_array(np.array([1, 1, WIDTH], dtype=np.int64), "expand_shape"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "one"),
    ]
    if mask_input is not None:
        inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"))
    return nodes, inits


PIXELS = helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, 224, 224])
IDS = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])
MASK = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])
IMAGE_OUT = helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch", D])
TEXT_OUT = helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch", D])
TEXT_OUT_B = helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["text_batch", D])
IDS_B = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["text_batch", "sequence"])
MASK_B = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["text_batch", "sequence"])


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="vision-search make-tiny-clip.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "clip-tiny")
    out = os.path.normpath(out)
    vn, vi = vision_nodes()
    save(helper.make_graph(vn, "tiny_clip_vision", [PIXELS], [IMAGE_OUT], vi), os.path.join(out, "vision_model.onnx"))
    tn, ti = text_nodes()
    save(helper.make_graph(tn, "tiny_clip_text", [IDS], [TEXT_OUT], ti), os.path.join(out, "text_model.onnx"))
    cn, ci = text_nodes("attention_mask")
    save(helper.make_graph(vn + cn, "tiny_clip_combined", [IDS_B, PIXELS, MASK_B], [TEXT_OUT_B, IMAGE_OUT], vi + ci),
         os.path.join(out, "combined", "model.onnx"))
    tokenizer(out)
    preprocess_reference(os.path.join(os.path.dirname(out), "clip-preprocess"))


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) \
        + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def bpe(token, ranks):
    word = tuple(token[:-1]) + (token[-1] + "</w>",)
    while len(word) > 1:
        pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        merged, i = [], 0
        while i < len(word):
            if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                merged.append(word[i] + word[i + 1])
                i += 2
            else:
                merged.append(word[i])
                i += 1
        word = tuple(merged)
    return word


PATTERN = r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+"


def encode(text, vocab, ranks):
    byte_encoder = bytes_to_unicode()
    text = re.sub(r"\s+", " ", text).strip().lower()
    ids = [49406]
    for token in re.findall(PATTERN, text):
        token = "".join(byte_encoder[b] for b in token.encode("utf-8"))
        ids += [vocab[t] for t in bpe(token, ranks)]
    return ids + [49407]


def tokenizer(out):
    lines = open(os.path.join(out, "merges.txt"), encoding="utf-8").read().splitlines()
    merges = [tuple(line.split(" ")) for line in lines[1:] if line]
    words = dict(line.split("\t") for line in open(os.path.join(out, "words.tsv"), encoding="utf-8").read().splitlines())
    vocab = {}
    for i, c in enumerate(bytes_to_unicode().values()):
        vocab[c] = i
        vocab[c + "</w>"] = 256 + i
    for w, i in words.items():
        vocab[w] = int(i)
    placeholder = 49000
    for a, b in merges:
        if a + b not in vocab:
            vocab[a + b] = placeholder
            placeholder += 1
    vocab["<|startoftext|>"] = 49406
    vocab["<|endoftext|>"] = 49407
    assert len(set(vocab.values())) == len(vocab), "duplicate ids"
    ranks = {m: r for r, m in enumerate(merges)}
    expected = {
        "a photo of a cat": [49406, 320, 1125, 539, 320, 2368, 49407],
        "How are you doing?": [49406, 829, 631, 592, 1960, 286, 49407],
        "Hello World": [49406, 3306, 1002, 49407],
        "The company was founded in 2016.": [49406, 518, 2634, 739, 12240, 530, 273, 271, 272, 277, 269, 49407],
    }
    for text, ids in expected.items():
        got = encode(text, vocab, ranks)
        assert got == ids, f"{text!r}: {got} != {ids}"
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    hf = {
        "version": "1.0",
        "added_tokens": [
            {"id": 49406, "content": "<|startoftext|>", "special": True},
            {"id": 49407, "content": "<|endoftext|>", "special": True},
        ],
        "model": {"type": "BPE", "continuing_subword_prefix": "", "end_of_word_suffix": "</w>",
                  "unk_token": "<|endoftext|>", "vocab": vocab, "merges": [a + " " + b for a, b in merges]},
    }
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(hf, f, ensure_ascii=False)
    print(f"wrote vocab.json and tokenizer.json ({len(vocab)} entries, {len(merges)} merges); reference ids check out")


def preprocess_reference(out):
    """Writes images and Pillow's resize + centre crop of them (src/test/resources/clip-preprocess/)."""
    from PIL import Image
    os.makedirs(out, exist_ok=True)

    def pattern(w, h, seed):
        y, x = np.mgrid[0:h, 0:w]
        r = (x * 7 + y * 3 + seed) % 256
        g = ((x - y) * 5 + 3 * seed) % 256
        b = np.where(((x // 17) + (y // 13)) % 2 == 0, 230, 20) + (x * y) % 23
        return np.stack([r, g, b], axis=-1).astype(np.uint8)

    # big-down and tall-down: many filter taps and many strips of source rows (ClipPreprocessor
    # reads the source in strips that fit the caches, and starts below the top for a tall crop).
    cases = {"down": (320, 213, "RGB"), "up": (120, 97, "RGB"), "tall-grey": (150, 260, "L"),
             "big-down": (1200, 600, "RGB"), "tall-down": (450, 1100, "RGB")}
    for name, (w, h, mode) in cases.items():
        image = Image.fromarray(pattern(w, h, len(name)))
        if mode == "L":
            image = image.convert("L")
        image.save(os.path.join(out, name + ".png"))
        # torchvision Resize(224) + CenterCrop(224), as the reference CLIP preprocess does.
        short, long = min(w, h), max(w, h)
        new_short, new_long = 224, int(224 * long / short)
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        resized = image.resize((new_w, new_h), Image.BICUBIC)
        top = int(round((new_h - 224) / 2.0))
        left = int(round((new_w - 224) / 2.0))
        resized.crop((left, top, left + 224, top + 224)).convert("RGB").save(os.path.join(out, name + "-expected.png"))
        print(f"wrote {name}.png {w}x{h} {mode} -> {new_w}x{new_h}, crop at ({left}, {top})")


if __name__ == "__main__":
    main()
