// The narration model without a browser: validation naming the bad field,
// old lessons opening silent, templates speaking by default, and a lesson's
// JSON leaving the device's audio behind.
import { describe, expect, it } from 'vitest';
import { lessonJson, newLesson, newScene, parseLessonJson, validateLesson, withSoundDefaults, type Lesson } from '../../src/shared/lesson';
import { hasVoice, newNarration, spokenText, validateNarration } from '../../src/shared/narration';
import { LESSON_TEMPLATES, lessonFromTemplate } from '../../src/lib/lesson-templates';
import { fieldOf } from './field-error';


describe('narration', () => {
  it('reads an absent narration as silent, and fills defaults', () => {
    expect(validateNarration(undefined, 'n').source).toBe('none');
    const n = validateNarration({ source: 'tts' }, 'n');
    expect(n).toEqual({ source: 'tts', voice: 'en', audioId: null, fileName: null, volume: 1, fit: false });
  });

  it('names the bad field', () => {
    const scene = { prompt: 'a red ball', caption: 'Hi', duration: 3, seed: 1 };
    const lesson = (narration: unknown) => ({ title: 'T', scenes: [scene, { ...scene, narration }] });
    expect(fieldOf(() => validateLesson(lesson({ source: 'shout' })))).toBe('scenes[1].narration.source');
    expect(fieldOf(() => validateLesson(lesson({ source: 'tts', voice: 'klingon' })))).toBe('scenes[1].narration.voice');
    expect(fieldOf(() => validateLesson(lesson({ source: 'tts', volume: 3 })))).toBe('scenes[1].narration.volume');
    expect(fieldOf(() => validateLesson(lesson({ source: 'file', audioId: 7 })))).toBe('scenes[1].narration.audioId');
    expect(fieldOf(() => validateLesson(lesson({ source: 'tts', fit: 'yes' })))).toBe('scenes[1].narration.fit');
    expect(fieldOf(() => validateLesson(lesson('loud')))).toBe('scenes[1].narration');
    expect(fieldOf(() => validateLesson({ ...lesson(null), effects: 1 }))).toBe('effects');
  });

  it('says which scenes will have a voice', () => {
    expect(hasVoice(newNarration('tts'), 'Hello')).toBe(true);
    expect(hasVoice(newNarration('tts'), '  ')).toBe(false);
    expect(hasVoice(newNarration('recording'), 'Hello')).toBe(false);
    expect(hasVoice({ ...newNarration('recording'), audioId: 'a' }, '')).toBe(true);
    expect(hasVoice(newNarration('none'), 'Hello')).toBe(false);
    expect(spokenText(' Let go of a ball,\nand it falls down. ')).toBe('Let go of a ball, and it falls down.');
  });

  it('gives every template a spoken voice on every scene', () => {
    for (const t of LESSON_TEMPLATES) {
      const l = lessonFromTemplate(t);
      expect(l.scenes.length).toBeGreaterThanOrEqual(4);
      for (const s of l.scenes) expect(hasVoice(s.narration, s.caption)).toBe(true);
    }
  });

  it('leaves recorded audio out of the JSON file, keeping the rest', () => {
    const l = newLesson('T', [newScene('a red ball', 'One', 3, { ...newNarration('recording'), audioId: 'abc', volume: 0.5 }), newScene('a blue ball', 'Two', 3)]);
    const back = parseLessonJson(lessonJson(l));
    expect(back.scenes[0]!.narration).toMatchObject({ source: 'recording', audioId: null, volume: 0.5 });
    expect(back.scenes[1]!.narration).toMatchObject({ source: 'tts', voice: 'en', fit: true });
  });

  it('opens a lesson stored before sound as silent', () => {
    const old = { ...newLesson('Old', [newScene('a red ball', 'x', 3)]) } as Partial<Lesson>;
    delete old.effects;
    for (const s of old.scenes!) delete (s as Partial<typeof s>).narration;
    const l = withSoundDefaults(old as Lesson);
    expect(l.effects).toBe(false);
    expect(l.scenes[0]!.narration.source).toBe('none');
  });
});

describe('narration provenance', () => {
  it('names each source in the description and reads the record back, never holding audio', async () => {
    const { provenanceTags, parseProvenance } = await import('../../src/shared/provenance');
    const p = {
      zoetrope: 1 as const, generator: 'Zoetrope', kind: 'lesson' as const, model: 'm@1', modelHash: 'a'.repeat(64), backend: 'wasm' as const,
      steps: 2, guidance: 1, clips: [{ prompt: 'p', seed: 1, framesSha256: 'b'.repeat(64) }],
      narration: [
        { scene: 0, source: 'tts' as const, engine: 'espeak-ng (voice en)', voice: 'en' },
        { scene: 1, source: 'recording' as const },
        { scene: 2, source: 'file' as const, fileName: 'intro.wav' },
      ],
    };
    const tags = provenanceTags(p, 'T');
    expect(tags.description).toContain('scene 1 spoken on the device (espeak-ng (voice en))');
    expect(tags.description).toContain('scene 2 recorded with the microphone');
    expect(tags.description).toContain('scene 3 from the file intro.wav');
    expect(parseProvenance(tags).narration).toEqual(p.narration);
    expect(fieldOf(() => parseProvenance({ comment: JSON.stringify({ ...p, narration: [{ scene: 0, source: 'radio' }] }) }))).toBe('narration[0].source');
  });
});
