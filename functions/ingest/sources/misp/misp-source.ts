/** Source name of MISP events and feeds, in every rejection and error they cause. */
export const MISP_SOURCE = 'misp';
