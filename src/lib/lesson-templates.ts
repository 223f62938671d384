// Owns the ready-made lessons. They use only words the built-in model was
// trained on (its colours, shapes, sizes, motions and backgrounds), so a
// teacher gets something that works before writing a prompt.

import { newLesson, newScene, type Lesson } from '../shared/lesson';
import { newNarration } from '../shared/narration';

export interface LessonTemplate {
  id: string;
  title: string;
  audience: string;
  scenes: [prompt: string, caption: string, duration: number][];
}

export const LESSON_TEMPLATES: LessonTemplate[] = [
  {
    id: 'gravity',
    title: 'Gravity: things fall and bounce',
    audience: 'Ages 5–8',
    scenes: [
      ['a big red ball falling in the blue sky', 'Let go of a ball,\nand it falls down.', 5],
      ['a small blue ball bouncing on green grass', 'When it hits the ground,\nit bounces.', 6],
      ['a yellow square falling on the sand', 'Every thing falls:\nbig or small, round or square.', 5],
      ['a green ball bouncing at sunset', 'Gravity pulls everything\ndown to the ground.', 6],
    ],
  },
  {
    id: 'day-night',
    title: 'Day and night',
    audience: 'Ages 4–7',
    scenes: [
      ['a big yellow ball rising in the blue sky', 'In the morning,\nthe sun comes up.', 5],
      ['a big yellow ball staying still in the blue sky', 'In the day,\nthe sky is blue and bright.', 5],
      ['a big orange ball moving down at sunset', 'In the evening,\nthe sun goes down.', 5],
      ['a small white ball staying still in the night sky', 'At night, the sky is dark.\nWe can see the moon.', 7],
    ],
  },
  {
    id: 'left-right',
    title: 'Left and right',
    audience: 'Ages 3–5',
    scenes: [
      ['a big red ball moving left on a white background', 'The red ball goes\nto the LEFT.', 4],
      ['a big blue ball moving right on a white background', 'The blue ball goes\nto the RIGHT.', 4],
      ['a green triangle moving left on green grass', 'Left!', 4],
      ['a purple square moving right on the sand', 'Right!', 4],
    ],
  },
  {
    id: 'colours-shapes',
    title: 'Colours and shapes',
    audience: 'Ages 3–6',
    scenes: [
      ['a big red ball staying still on a white background', 'This is a red circle.', 4],
      ['a big blue square staying still on a white background', 'This is a blue square.', 4],
      ['a big yellow triangle staying still on a white background', 'This is a yellow triangle.', 4],
      ['a big green ball orbiting on a black background', 'What colour is this one?', 5],
      ['a big pink square growing on a black background', 'And this one?', 5],
    ],
  },
];

/**
 * A template's scenes speak their captions by default, so "Make lesson video"
 * on a template gives a video that speaks. Their durations were chosen for
 * the picture and hold each caption's spoken length (tests/e2e/narration
 * checks that no template voice is cut), so they stay fixed rather than fit.
 */
export function lessonFromTemplate(template: LessonTemplate): Lesson {
  return newLesson(
    template.title,
    template.scenes.map(([prompt, caption, duration]) => newScene(prompt, caption, duration, { ...newNarration('tts'), fit: false })),
  );
}
