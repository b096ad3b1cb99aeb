/**
 * The viewing conditions a printer assumes when the SCU gives none (PS3.4 H.2.2.1.1, recommended):
 * Illumination, the light the film is seen by in cd/m² (a light box for film, room light for
 * paper), and Reflected Ambient Light off transmissive film. The print service writes them into
 * each film box; the renderer reads them back and falls back on the same values.
 */
export const DEFAULT_ILLUMINATION = { film: 2000, paper: 150 } as const;
export const DEFAULT_REFLECTED_AMBIENT = 10;
