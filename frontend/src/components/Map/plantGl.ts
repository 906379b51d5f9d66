/**
 * Draws PlantArrays with WebGL (WebGL2, or WebGL1: the shaders are GLSL ES 1.00 and only drawArrays
 * is used, so no 32-bit index extension is needed). Two programs: plain triangles/1 px lines (table
 * fills and outlines) and wide lines (roads, trenches, cables: each segment a quad widened in the
 * vertex shader to its width in screen pixels, dashed in the fragment shader).
 *
 * Why not deck.gl: it would add ~1 MB of JavaScript (luma.gl, math.gl, loaders) and a second view
 * state to keep in sync with Leaflet for what is here two small shaders over buffers we build
 * anyway; the picking is done on the CPU from the same arrays (`pickFeature`).
 */
import { GL_LAYER_KEYS, LINE_STRIDE, type PlantArrays, type Range } from "../../lib/plantArrays";

type GL = WebGLRenderingContext | WebGL2RenderingContext;

/** Tables narrower than this on screen [px] are drawn as their long axis (a 1 px line). */
export const AXIS_BELOW_PX = 1.5;

/** The view: the canvas's top-left corner in zoom-0 px relative to arrays.origin, scale = 2^zoom, size in CSS px. */
export interface GlView {
  x: number;
  y: number;
  scale: number;
  width: number;
  height: number;
  pixelRatio: number;
}

const SIMPLE_VS = `
attribute vec2 a_pos;
attribute vec4 a_color;
uniform vec2 u_origin;
uniform float u_scale;
uniform vec2 u_size;
varying vec4 v_color;
void main() {
  vec2 px = (a_pos - u_origin) * u_scale;
  gl_Position = vec4(px.x / u_size.x * 2.0 - 1.0, 1.0 - px.y / u_size.y * 2.0, 0.0, 1.0);
  v_color = a_color;
}`;
const SIMPLE_FS = `
precision mediump float;
varying vec4 v_color;
void main() { gl_FragColor = v_color; }`;

const LINE_VS = `
attribute vec2 a_pos;
attribute vec2 a_dir;
attribute vec2 a_ext;
attribute vec2 a_width;
attribute vec2 a_distDash;
attribute vec4 a_color;
uniform vec2 u_origin;
uniform float u_scale;
uniform vec2 u_size;
varying vec4 v_color;
varying float v_dist;
varying float v_dash;
void main() {
  float half_w = max(a_width.x, a_width.y * u_scale) * 0.5;   // px
  vec2 n = vec2(-a_dir.y, a_dir.x);
  vec2 px = (a_pos - u_origin) * u_scale + (n * a_ext.x + a_dir * a_ext.y) * half_w;
  gl_Position = vec4(px.x / u_size.x * 2.0 - 1.0, 1.0 - px.y / u_size.y * 2.0, 0.0, 1.0);
  v_color = a_color;
  v_dist = a_distDash.x * u_scale + a_ext.y * half_w;
  v_dash = a_distDash.y;
}`;
const LINE_FS = `
precision highp float;
varying vec4 v_color;
varying float v_dist;
varying float v_dash;
void main() {
  if (v_dash > 0.0 && mod(v_dist, v_dash * 1.75) > v_dash) discard;
  gl_FragColor = v_color;
}`;

function program(gl: GL, vs: string, fs: string, attribs: string[]): WebGLProgram {
  const p = gl.createProgram()!;
  for (const [src, type] of [[vs, gl.VERTEX_SHADER], [fs, gl.FRAGMENT_SHADER]] as const) {
    const s = gl.createShader(type)!;
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`WebGL shader: ${gl.getShaderInfoLog(s)}`);
    gl.attachShader(p, s);
  }
  attribs.forEach((a, i) => gl.bindAttribLocation(p, i, a));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`WebGL program: ${gl.getProgramInfoLog(p)}`);
  return p;
}

function buffer(gl: GL, data: ArrayBufferView): WebGLBuffer {
  const b = gl.createBuffer()!;
  gl.bindBuffer(gl.ARRAY_BUFFER, b);
  gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
  return b;
}

/** A WebGL context for the layer; null when the browser has no WebGL. Multisampling only on a
 * hardware GPU: on a software rasteriser (SwiftShader, llvmpipe) it multiplies the cost of every redraw. */
export function getGl(canvas: HTMLCanvasElement): GL | null {
  const opts: WebGLContextAttributes = { antialias: !software, premultipliedAlpha: false, alpha: true, depth: false, stencil: false };
  try {
    return (canvas.getContext("webgl2", opts) as WebGL2RenderingContext | null) ?? (canvas.getContext("webgl", opts) as WebGLRenderingContext | null);
  } catch {
    return null;
  }
}

/** localStorage key: "off" makes the map draw every layer with Leaflet (a bad GPU driver; comparisons). */
export const WEBGL_SWITCH_KEY = "sitelayouts.webgl";

let support: boolean | null = null;
let software = false;
/** Whether this browser can draw with WebGL (asked once) and it is not switched off. */
export function webglAvailable(): boolean {
  try {
    if (localStorage.getItem(WEBGL_SWITCH_KEY) === "off") return false;
  } catch {
    // no storage (privacy mode): WebGL stays on
  }
  if (support === null) {
    // jsdom has no canvas; don't ask it (it logs "not implemented").
    if (typeof navigator !== "undefined" && /jsdom/i.test(navigator.userAgent)) return (support = false);
    const gl = getGl(document.createElement("canvas"));
    support = !!gl;
    const info = gl?.getExtension("WEBGL_debug_renderer_info");
    software = !!gl && /swiftshader|llvmpipe|software/i.test(String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)));
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
  }
  return support;
}

export class PlantRenderer {
  private gl: GL;
  private simple: WebGLProgram;
  private line: WebGLProgram;
  private bufs: WebGLBuffer[] = [];
  private fillPos: WebGLBuffer;
  private fillColor: WebGLBuffer;
  private outlinePos: WebGLBuffer;
  private outlineColor: WebGLBuffer;
  private lineData: WebGLBuffer;
  private lineColor: WebGLBuffer;
  private axisPos: WebGLBuffer;
  private axisColor: WebGLBuffer;

  constructor(gl: GL, private a: PlantArrays) {
    this.gl = gl;
    this.simple = program(gl, SIMPLE_VS, SIMPLE_FS, ["a_pos", "a_color"]);
    this.line = program(gl, LINE_VS, LINE_FS, ["a_pos", "a_dir", "a_ext", "a_width", "a_distDash", "a_color"]);
    this.fillPos = buffer(gl, a.fillPos);
    this.fillColor = buffer(gl, a.fillColor);
    this.outlinePos = buffer(gl, a.outlinePos);
    this.outlineColor = buffer(gl, a.outlineColor);
    this.lineData = buffer(gl, a.lineData);
    this.lineColor = buffer(gl, a.lineColor);
    this.axisPos = buffer(gl, a.axisPos);
    this.axisColor = buffer(gl, a.axisColor);
    this.bufs = [this.fillPos, this.fillColor, this.outlinePos, this.outlineColor, this.lineData, this.lineColor, this.axisPos, this.axisColor];
  }

  private uniforms(p: WebGLProgram, v: GlView) {
    const gl = this.gl;
    gl.useProgram(p);
    gl.uniform2f(gl.getUniformLocation(p, "u_origin"), v.x, v.y);
    gl.uniform1f(gl.getUniformLocation(p, "u_scale"), v.scale);
    gl.uniform2f(gl.getUniformLocation(p, "u_size"), v.width, v.height);
  }

  private simpleAttribs(pos: WebGLBuffer, color: WebGLBuffer) {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, pos);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, color);
    gl.enableVertexAttribArray(1);
    gl.vertexAttribPointer(1, 4, gl.UNSIGNED_BYTE, true, 0, 0);
    for (let i = 2; i < 6; i++) gl.disableVertexAttribArray(i);
  }

  private lineAttribs() {
    const gl = this.gl;
    const s = LINE_STRIDE * 4;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.lineData);
    // [location, float offset], 2 floats each: a_pos, a_dir, a_ext, a_width, a_distDash (bound in that order)
    const layout: [number, number][] = [[0, 0], [1, 2], [2, 4], [3, 6], [4, 8]];
    for (const [loc, off] of layout) {
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, s, off * 4);
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.lineColor);
    gl.enableVertexAttribArray(5);
    gl.vertexAttribPointer(5, 4, gl.UNSIGNED_BYTE, true, 0, 0);
  }

  /** Clears and draws every layer not in `hidden`, bottom to top, only the chunks the view shows. */
  draw(v: GlView, hidden: ReadonlySet<string>) {
    const gl = this.gl;
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    // the view in relative zoom-0 px, grown by the widest line's half width
    const m = (this.a.pick.maxHalfPx + 2) / v.scale + this.a.pick.maxHalfWorld;
    const x0 = v.x - m, y0 = v.y - m, x1 = v.x + v.width / v.scale + m, y1 = v.y + v.height / v.scale + m;
    GL_LAYER_KEYS.forEach((key, li) => {
      if (hidden.has(key)) return;
      const seen = this.a.chunks.filter((c) => c.layer === li && c.bbox[2] >= x0 && c.bbox[0] <= x1 && c.bbox[3] >= y0 && c.bbox[1] <= y1);
      if (seen.length === 0) return;
      const runs = (pick: (c: (typeof seen)[number]) => Range): Range[] => {
        const out: Range[] = [];
        for (const c of seen) {
          const [first, count] = pick(c);
          if (count === 0) continue;
          const last = out[out.length - 1];
          if (last && last[0] + last[1] === first) last[1] += count;
          else out.push([first, count]);
        }
        return out;
      };
      // Zoomed out (tables under AXIS_BELOW_PX wide) a table is its long axis: fill and outline
      // would colour the same pixel or two at seven times the vertices.
      const axes = key === "tables" && this.a.tableWidth * v.scale < AXIS_BELOW_PX;
      const fill = axes ? [] : runs((c) => c.fill);
      const outline = axes ? runs((c) => c.axis) : runs((c) => c.outline);
      const line = runs((c) => c.line);
      if (fill.length || outline.length) this.uniforms(this.simple, v);
      if (fill.length) {
        this.simpleAttribs(this.fillPos, this.fillColor);
        for (const [f, n] of fill) gl.drawArrays(gl.TRIANGLES, f, n);
      }
      if (outline.length) {
        if (axes) this.simpleAttribs(this.axisPos, this.axisColor);
        else this.simpleAttribs(this.outlinePos, this.outlineColor);
        for (const [f, n] of outline) gl.drawArrays(gl.LINES, f, n);
      }
      if (line.length) {
        this.uniforms(this.line, v);
        this.lineAttribs();
        for (const [f, n] of line) gl.drawArrays(gl.TRIANGLES, f, n);
      }
    });
  }

  dispose() {
    const gl = this.gl;
    this.bufs.forEach((b) => gl.deleteBuffer(b));
    gl.deleteProgram(this.simple);
    gl.deleteProgram(this.line);
  }
}
