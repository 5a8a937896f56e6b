// What a model family provides to training: its networks, their initial weights, and its round phases.
import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/index.js';

/** Shape of one image of the dataset. */
export interface ImageShape { height: number; width: number; channels: number }

/** A round phase: which networks it updates (gets gradients for) and whether it consumes real data. */
export interface PhaseSpec { updates: readonly string[]; usesData: boolean }

export interface ModelFamily {
  readonly name: ModelConfig['family'];
  readonly kind: 'gan' | 'vae';
  /** Class-conditional: G (and D) take one-hot labels as a second input; WORK carries the shards' labels. */
  readonly conditional?: boolean;
  /** Round phases of one training step, by name (D, G / VAE). */
  readonly phases: Readonly<Record<string, PhaseSpec>>;
  /** Builds the networks with explicit, stable layer names (so model.json and weight names are deterministic). */
  build(model: ModelConfig, image: ImageShape, stage?: GrowthStage): Record<string, tf.LayersModel>;
  /** Progressive families: the stage a network's weights were built for, read from their names (workers rebuild from WEIGHTS). */
  stageOfWeights?(net: string, names: readonly string[]): GrowthStage;
  /** Initial weights of one network (all of `model.weights`, state included); default: PyTorch's nn.Linear init. */
  initialWeights?(model: tf.LayersModel, net: string, seed: number, config: ModelConfig): NamedWeights;
}

/**
 * The shape of a progressive family's networks (src/train/stages.ts): the resolution they work at, and
 * whether the previous resolution's path is still there to fade out. Absent: the full image resolution.
 */
export interface GrowthStage { resolution: number; fading: boolean }

/** Weights of one network in `model.weights` order, named by their original (un-suffixed) names. */
export interface NamedWeights { names: string[]; shapes: number[][]; values: Float32Array[] }
